"""The package's public names resolve (imported lazily, so `import evalkit` stays fast), and
the typed nouns between the layers are among them."""
import evalkit


def test_every_public_name_resolves():
    for name in evalkit.__all__:
        assert getattr(evalkit, name) is not None, name


def test_the_typed_nouns_are_public():
    from evalkit.backends.model import Model
    from evalkit.compare.rows import CaseTransition, MetricRow
    from evalkit.store.reads import CaseResult
    from evalkit.store.records import RunRecord

    assert (evalkit.Model, evalkit.RunRecord, evalkit.CaseResult, evalkit.MetricRow,
            evalkit.CaseTransition) == (Model, RunRecord, CaseResult, MetricRow, CaseTransition)
