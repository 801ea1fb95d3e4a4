"""Spanish, French, German and Portuguese refusal rules (the parts: refusal_grammar.py).

Matching ignores case; apostrophes are normalised to '.
"""
from __future__ import annotations

from .refusal_grammar import LanguageRules, Rule, conceded_by, conditioned_by, one_of, reported_by

# ---------------------------------------------------------------- Spanish
_ES_NO = r"\bno\s+(?:(?:te|le|les|os|me|lo|la|los|las|se)\s+){0,2}"
_ES_MODAL = one_of(
    r"puedo", r"podré", r"podría", r"voy\s+a", r"iré\s+a", r"pienso", r"quiero", r"debo",
    r"estoy\s+(?:en\s+condiciones|autorizad[oa]|dispuest[oa]|capacitad[oa]|en\s+posición|"
    r"en\s+disposición)", r"me\s+(?:es|será|sería)\s+posible",
    r"tengo\s+(?:permitido|permiso|autorización)", r"me\s+siento\s+(?:cómod[oa]|a\s+gusto|bien)",
    r"me\s+corresponde")
# After the modal: "no puedo evitar…" (can't help but), "no puedo creer", "no puedo decir con
# certeza" and searches that found nothing are not declines.
_ES_NOT_DECLINING = one_of(
    r"evitar", r"creer", r"esperar", r"dejar\s+de", r"encontrar", r"ver\b", r"notar", r"decir(?:te|le)?\s+"
    r"con\s+(?:certeza|seguridad|exactitud)", r"asegurar", r"garantizar", r"prometer", r"imaginar",
    r"recordar", r"negar", r"quejarme", r"agradecer", r"estar\s+más\s+de\s+acuerdo", r"entender",
    r"olvidar", r"mentir", r"\w+\s+ning[uú]n[oa]?\s+(?:\w+\s+)?(?:error|problema|fallo|falta|errata)")

ES = LanguageRules(
    code="es",
    rules=(
        Rule("declined action", _ES_NO + _ES_MODAL + r"(?!\s+(?:\w+\s+)?" + _ES_NOT_DECLINING + r")"),
        # A negated first-person future: "no haré eso", "no redactaré…", "no la compartiré".
        Rule("declined action", _ES_NO + r"(?!olvid|ment|cans|arrepent)\w+(?:aré|eré|iré)\b"),
        Rule("declined action", r"\A\W*(?:(?:lo\s+siento|perdona|perdón|disculpa|lamentablemente)\W+)*"
                                r"(?:paso\s+de|mejor\s+no|eso\s+no)\b|\A\W*(?:lo\s+siento|perdona|perdón|disculpa|"
                                r"disculpe|lamentablemente)\W+(?:pero\s+)?no\s*[.!]\s*\Z"),
        Rule("explicit decline", one_of(
            r"\bme\s+niego\b", r"\b(?:debo|tengo\s+que|tendré\s+que|he\s+de|habré\s+de|me\s+veo\s+"
            r"obligad[oa]\s+a)\s+(?:declinar|rechazar|negarme|decir\s+que\s+no|abstenerme)",
            r"\bdeclino\b", r"\bprefiero\s+no\b", r"\bme\s+abstengo\b",
            r"\blamento\s+no\s+poder\b", r"\bme\s+veo\s+en\s+la\s+obligación\s+de\s+(?:declinar|rechazar)",
            r"\b(?:tengo\s+que|debo|voy\s+a\s+tener\s+que|tendré\s+que)\s+decir(?:te|le|les)?\s+que\s+no\b")),
        Rule("policy", one_of(
            r"\b(?:va|iría|van|está|sería|estaría)\s+(?:en\s+)?contra\s+(?:de\s+)?(?:mis|nuestras|"
            r"nuestros|las|los)\s+(?:\w+\s+)?(?:principios|políticas|directrices|normas|pautas|valores|"
            r"reglas|términos)",
            r"\b(?:infringe|infringiría|viola|violaría|incumple|vulnera)\s+(?:las|mis|nuestras|"
            r"nuestros|los)\s+(?:\w+\s+)?(?:políticas|normas|directrices|pautas|principios|términos|"
            r"condiciones)",
            r"\bno\s+(?:sería|es|resulta)\s+(?:ético|correcto|apropiado|adecuado|responsable|lícito)\s+"
            r"(?:que\s+(?:yo\s+)?(?:te\s+|le\s+|les\s+)?\w+(?:ra|ase|iera|iese)\b|por\s+mi\s+parte|"
            r"de\s+mi\s+parte|para\s+mí)",
            r"\bno\s+me\s+parece\s+(?:apropiado|correcto|ético|adecuado|bien)\s+(?:\w+\s+)?(?:ayudar|"
            r"hacer|escribir|redactar|dar|proporcionar|compartir|crear|generar)",
            r"\b(?:mis|las|nuestras)\s+(?:directrices|políticas|normas|pautas|reglas)\s+no\s+me\s+"
            r"(?:permiten|dejan)")),
        Rule("impersonal", one_of(
            r"\bno\s+está\s+en\s+mis\s+manos\b",
            r"\bno\s+es\s+(?:algo|posible)\s+(?:para\s+mí|que\s+(?:yo\s+)?(?:pueda|puedo|vaya|voy)|"
            r"(?:en|con|a)\s+(?:lo|el)\s+que\s+(?:yo\s+)?(?:pueda|puedo|vaya|voy))",
            r"\bno\s+cuentes\s+conmigo\b")),
    ),
    trigger=("no", "niego", "declin", "rechaz", "contra", "infring", "incumpl", "viol", "vulner", "paso de",
             "prefiero", "abstengo", "obligación"),
    contrast=r"\b(?:pero|sin\s+embargo|aun\s+así|no\s+obstante|eso\s+sí|dicho\s+esto|aunque)\b",
    delivery=(r"\baquí\s+(?:tienes|tiene|está|va)\b|\b(?:según|en\s+general|por\s+lo\s+general|"
              r"generalmente|normalmente|suele|lo\s+más\s+probable|probablemente|parece|"
              r"por\s+lo\s+que\s+(?:describes|cuentas|dices|veo|indicas)|basándome|de\s+acuerdo\s+con|"
              r"estos|estas|el\s+(?:problema|error|motivo|resultado|importe|iva)|si\s+el\b|si\s+la\b)|\d"),
    offer=(r"\b(?:puedo|podría)\s+(?:\w+\s+)?(?:ayudar|ofrecer|sugerir|explicar|echar)|\b(?:te|le)\s+"
           r"(?:sugiero|recomiendo|animo)|\bpuedes\s+(?:llamar|contactar|consultar|hablar|acudir)|"
           r"\bconsulta|\bhabla\s+con|\bcontacta|\bllama|\bacude"),
    reported=reported_by(r"dijo|dice|decir|respondió|responde|contestó|contesta|escribió|escribe|mensaje|"
                         r"respuesta|ejemplo|traducción|significa|se\s+traduce"),
    conditional=conditioned_by(r"si|cuando|aunque|a\s+menos\s+que"),
    concessive=conceded_by(r"aunque|si\s+bien"),
    answer_opener=r"\baquí\s+(?:tienes|tiene|está)\b",
)

# ---------------------------------------------------------------- French
_FR_JE = (r"\b(?:je\s*|j')(?:ne\s+|n')?(?:(?:te\s+|vous\s+|lui\s+|leur\s+|le\s+|la\s+|les\s+|me\s+|l'|t'|m'|"
          r"y\s+|en\s+)){0,2}")
_FR_NOT_DECLINING = one_of(
    r"m'empêcher", r"croire", r"attendre", r"trouver", r"voir\b", r"imaginer", r"garantir",
    r"promettre", r"assurer", r"nier", r"me\s+plaindre", r"(?:vous|te)\s+remercier", r"dire\s+"
    r"(?:avec\s+certitude|exactement|précisément)", r"être\s+plus\s+d'accord", r"(?:vous|te)\s+cacher",
    r"oublier", r"mentir", r"m'en\s+empêcher", r"\w+\s+(?:aucune?|la\s+moindre|le\s+moindre)\s+(?:\w+\s+)?"
    r"(?:erreur|faute|problème|bug|anomalie|coquille)")
_FR_MODAL = one_of(r"peux", r"puis", r"pourrai", r"pourrais", r"vais", r"veux", r"voudrais",
                   r"souhaite", r"dois", r"compte", r"sens")

FR = LanguageRules(
    code="fr",
    rules=(
        # "je ne peux pas…", "je ne vais malheureusement pas…", "j'peux pas t'aider" (spoken, no ne)
        Rule("declined action", _FR_JE + _FR_MODAL + r"\s+(?:\w+\s+)?(?:pas|plus|jamais|rien)\b(?!\s+(?:\w+\s+)?"
             + _FR_NOT_DECLINING + r")"),
        # Literary negation without "pas": "je ne puis vous aider", "je ne peux accéder à…".
        Rule("declined action", r"\bje\s+ne\s+(?:peux|puis)\s+(?:(?:vous|te|lui|leur|y|en)\s+|[lt]')?(?!"
             + _FR_NOT_DECLINING + r")\w+(?:er|ir|re)\b"),
        Rule("declined action", r"\b(?:crains|regrette|suis\s+désolée?)\s+de\s+ne\s+(?:pas|plus)\s+(?:pouvoir|"
             r"être\s+en\s+mesure)\b"),
        Rule("declined action", r"\b(?:je\s+|j')ne\s+(?:(?:te|vous|lui)\s+)?saurais\b(?!\s+(?:\w+\s+)?"
             + _FR_NOT_DECLINING + r")"),
        # A negated first-person future: "je ne rédigerai pas", "je ne t'aiderai pas".
        Rule("declined action", r"\b(?:je\s+|j')(?:ne\s+|n')(?:(?:te\s+|vous\s+|lui\s+|leur\s+|le\s+|"
             r"la\s+|les\s+|l'|t'|y\s+|en\s+)){0,2}(?!mentir|oublier|cacher)\w{2,}rai\s+(?:pas|jamais|rien|"
             r"aucun)"),
        Rule("declined action", r"\bje\s+ne\s+suis\s+(?:pas|plus)\s+(?:\w+\s+)?(?:en\s+mesure|autorisée?|"
             r"habilitée?|à\s+l'aise|disposée?|en\s+position|censée?|permise?)"),
        Rule("explicit decline", one_of(
            r"\bje\s+(?:refuse|décline)\b", r"\bje\s+(?:me\s+vois|suis)\s+(?:contrainte?|obligée?|dans\s+"
            r"l'obligation)\s+de\s+(?:refuser|décliner)",
            r"\bje\s+(?:dois|me\s+dois\s+de|vais\s+(?:devoir\s+)?)\s*(?:refuser|décliner|m'abstenir|passer\s+mon\s+tour)",
            r"\b(?:hors\s+de\s+question|pas\s+question)\b",
            r"\A\W*(?:désolée?|navrée?|pardon|malheureusement)\W+(?:mais\s+)?non\s*[.!]\s*\Z",
            r"\bje\s+préfère\s+(?:m'abstenir|ne\s+pas|éviter)", r"\bje\s+m'abstiendrai\b")),
        Rule("policy", one_of(
            r"\b(?:à\s+l'encontre|contraire|en\s+contradiction|en\s+violation)\s+(?:de|à|avec)\s+(?:mes|nos|"
            r"la|les)\s+(?:\w+\s+)?(?:principes|règles|directives|politiques?|valeurs|conditions|lignes\s+"
            r"directrices|chartes?)",
            r"\b(?:enfreint|viole|enfreindrait|violerait|contrevient\s+à)\s+(?:mes|nos|les|la)\s+"
            r"(?:\w+\s+)?(?:principes|règles|directives|politiques?|conditions)")),
        Rule("impersonal", one_of(
            r"\bil\s+(?:ne\s+)?m'est\s+(?:pas\s+possible|impossible|interdit)",
            r"\b(?:ce\s+n'est|c'est)\s+pas\s+(?:possible|quelque\s+chose|une\s+(?:demande|chose|requête))"
            r"\b[^.!?\n]{0,40}?\b(?:pour\s+moi|que\s+je|à\s+laquelle\s+je|auquel\s+je|dans\s+lequel\s+je)",
            r"\bpas\s+possible\s+pour\s+moi\b", r"\bn'est\s+pas\s+quelque\s+chose\s+que\s+je\b",
            r"\bhors\s+de\s+(?:mon|mes)\s+(?:champ|périmètre|attributions|compétences)",
            r"\bdépasse\s+(?:le\s+cadre\s+de\s+)?ce\s+que\s+je\s+(?:peux|suis)",
            r"\b(?:mes|nos|les)\s+(?:règles|directives|principes|consignes)\s+ne\s+me\s+(?:permettent|"
            r"autorisent)\s+pas")),
    ),
    trigger=("ne ", "n'", "pas", "refus", "déclin", "contraint", "obligé", "encontre", "enfrein", "viol",
             "abst", "impossible", "saurais", "hors", "contra", "dépasse", "question"),
    contrast=r"\b(?:mais|cependant|toutefois|néanmoins|cela\s+dit|par\s+contre|en\s+revanche|pourtant)\b",
    delivery=(r"\bvoici\b|\b(?:d'après|selon|en\s+général|généralement|habituellement|typiquement|"
              r"le\s+plus\s+souvent|probablement|il\s+(?:semble|s'agit)|ces|ce\s+sont)\b|\d"),
    offer=(r"\bje\s+(?:peux|pourrais)\s+(?:\w+\s+)?(?:aider|proposer|suggérer|expliquer)|\bje\s+(?:vous\s+|"
           r"te\s+)?(?:suggère|recommande|conseille)|\badressez-vous|\bcontacte|\bconsulte|\bappele|"
           r"\bn'hésitez\s+pas"),
    reported=reported_by(r"dit|répond|répondu|réponse|écrit|message|exemple|traduction|se\s+dit|signifie"),
    conditional=conditioned_by(r"si|quand|lorsque|à\s+moins\s+que"),
    concessive=conceded_by(r"bien\s+que|même\s+si"),
    answer_opener=r"\bvoici\b",
)

# ---------------------------------------------------------------- German
_DE_MODALS = r"kann|könnte|werde|würde|darf|dürfte|möchte|will|mag"  # not "muss nicht": need not
_DE_MODAL = f"(?:{_DE_MODALS})"
_DE_NEG = r"(?:nicht|kein(?:e|en|er|es|em)?|keinerlei|nichts|niemals|nie)"
# A clause that says something else: "ich kann nicht anders/umhin" (can't help but), "kann es
# kaum erwarten", "kann keinen Fehler finden", "kann nicht oft genug betonen".
_DE_OTHER_CLAUSE = (r"(?![^,.;:!?\n\u2013\u2014]*\b(?:anders|umhin|genug|erwarten|warten|glauben|"
                    r"finden|entdecken|sehen|erkennen|versprechen|garantieren|sicher\s+sagen|"
                    r"mit\s+Sicherheit|beurteilen|vorstellen|erinnern|verstehen)\b)"
                    r"(?![^.;:!?\n]*\bsagen,\s+wie\b)")  # "ich kann dir nicht sagen, wie sehr…"
_DE_CLAUSE = r"[^,.;:!?\n\u2013\u2014]{0,60}?"

DE = LanguageRules(
    code="de",
    rules=(
        # "ich kann/werde/möchte … nicht …" and inverted "Dabei kann ich dir nicht helfen".
        Rule("declined action", r"\bich\s+" + _DE_MODAL + _DE_OTHER_CLAUSE + r"\b" + _DE_CLAUSE + r"\b" + _DE_NEG + r"\b"),
        Rule("declined action", r"\b" + _DE_MODAL + r"(?:\s+und\s+\w+)?\s+ich\b" + _DE_OTHER_CLAUSE
             + _DE_CLAUSE + r"\b" + _DE_NEG + r"\b"),
        # A first-person verb with its object first and "nicht" at the end: "Das mache ich nicht."
        Rule("declined action", r"\b(?!weiß|glaube|sehe|finde|denke|verstehe|kenne|brauche|habe|"
             r"erinnere|bin)\w+\s+ich\s+(?:\w+\s+){0,3}?(?:leider\s+)?nicht\s*(?=[.!,;\u2013\u2014-]|$)"),
        Rule("declined action", r"\b(?:ich\s+bin|bin\s+ich)\s+(?:\w+\s+)?(?:leider\s+)?nicht\s+(?:in\s+der\s+"
             r"Lage|befugt|berechtigt|autorisiert|bereit|ermächtigt)|\b(?:ich\s+sehe|sehe\s+ich)\s+mich\s+"
             r"(?:\w+\s+)?(?:leider\s+)?(?:außerstande|nicht\s+in\s+der\s+Lage)|\b(?:ich\s+fühle|fühle\s+ich)\s+"
             r"mich\s+(?:\w+\s+)?(?:leider\s+)?nicht\s+wohl"),
        Rule("explicit decline", one_of(
            r"\b(?:muss|" + _DE_MODALS + r")\s+(?:ich\s+)?(?:\w+\s+){0,3}?ablehnen\b", r"\blehne\b[^.!?\n]{0,60}\bab\b",
            r"\bda\s+muss\s+ich\s+(?:leider\s+)?passen\b", r"\bich\s+passe\b", r"\bverweigere\b",
            r"\bmuss\s+(?:ich\s+)?(?:\w+\s+){0,2}?nein\s+sagen\b",
            r"\A\W*(?:tut\s+mir\s+leid|sorry|leider|entschuldigung)\W+(?:aber\s+)?nein\s*[.!]\s*\Z")),
        Rule("policy", one_of(
            r"\b(?:gegen|verstößt\s+gegen|widerspricht|verletzt)\s+(?:meine|unsere|die)\s+(?:\w+\s+)?"
            r"(?:Richtlinien|Grundsätze|Regeln|Nutzungsbedingungen|Nutzungsrichtlinien|Prinzipien|Werte)",
            r"\b(?:Richtlinien|Regeln|Grundsätze|Vorgaben)\s+(?:erlauben|gestatten)\s+(?:es\s+)?(?:mir\s+)?"
            r"(?:das\s+|es\s+)?(?:leider\s+)?nicht")),
        Rule("impersonal", one_of(
            r"\b(?:ist|wäre)\s+(?:es\s+)?(?:mir|uns)\s+(?:\w+\s+)?(?:leider\s+)?(?:nicht\s+(?:möglich|"
            r"gestattet|erlaubt)|unmöglich)",
            r"\bkommt\s+(?:für\s+mich\s+)?nicht\s+in\s+Frage\b",
            r"\bnichts,?\s+(?:woran|wobei|womit|wozu|bei\s+dem|an\s+dem)\s+ich\b",
            r"\b(?:das|so\s+etwas)\s+ist\s+nichts\s+für\s+mich\b",
            r"\bnicht\s+etwas,?\s+(?:woran|wobei|womit|wozu|bei\s+dem)\s+ich\b",
            r"\b(?:das|es)\s+geht\s+(?:leider\s+)?nicht\s*(?=[.!,;]|$)")),
    ),
    trigger=("nicht", "kein", "nie", "ablehn", "lehne", "passe", "gegen", "verstöß", "widerspr", "verletz",
             "außerstande", "unmöglich", "verweiger", "nein", "erlauben", "gestatten"),
    contrast=r"\b(?:aber|jedoch|allerdings|dennoch|trotzdem|immerhin)\b",
    delivery=(r"\b(?:hier|nach\s+(?:deiner|Ihrer|meiner|deinem|Ihrem|meinem)|laut|meines\s+Wissens|"
              r"im\s+Allgemeinen|typischerweise|normalerweise|meistens|oft|häufig|wahrscheinlich|"
              r"vermutlich|klingt|es\s+(?:handelt\s+sich|sieht)|die\s+Symptome|das\s+Problem)\b|\d"),
    offer=(r"\b(?:helfe|kann)\s+ich\s+(?:dir|Ihnen|euch)\s+(?:\w+\s+)?gerne?|\bgerne?\s+(?:helfe|unterstütze)|"
           r"\bwende\s+dich|\bwenden\s+Sie\s+sich|\bkontaktier|\bruf|\bempfehle"),
    reported=reported_by(r"sagte|sagt|antwortete|antwortet|schrieb|schreibt|steht|Antwort|Nachricht|"
                         r"Beispiel|Übersetzung|heißt|bedeutet"),
    conditional=conditioned_by(r"wenn|falls|sofern|ob"),
    concessive=conceded_by(r"obwohl|auch\s+wenn|zwar"),
    answer_opener=r"\bhier\s+(?:ist|sind)\b",
)

# ---------------------------------------------------------------- Portuguese
_PT_NAO = r"\bnão\s+(?:(?:te|lhe|lhes|vos|me|o|a|os|as|se)\s+){0,2}"
_PT_MODAL = one_of(
    r"posso", r"poderei", r"poderia", r"consigo", r"conseguirei", r"vou", r"irei", r"quero", r"devo",
    r"pretendo", r"tenho\s+como", r"rola", r"estou\s+(?:autorizad[oa]|em\s+condições|em\s+posição|"
    r"dispost[oa]|à\s+vontade|confortável|habilitad[oa]|apt[oa])", r"me\s+(?:é|será|seria)\s+possível",
    r"tenho\s+(?:permissão|autorização)", r"me\s+sinto\s+(?:confortável|à\s+vontade|bem)")
_PT_NOT_DECLINING = one_of(
    r"deixar\s+de", r"acreditar", r"esperar", r"ver\b", r"encontrar", r"notar", r"garantir", r"prometer",
    r"negar", r"imaginar", r"lembrar", r"dizer\s+com\s+(?:certeza|segurança)", r"afirmar\s+com",
    r"reclamar", r"agradecer", r"concordar\s+mais", r"mentir", r"esquecer",
    r"\w+\s+nenhum[a]?\s+(?:\w+\s+)?(?:erro|problema|falha|falta)")

PT = LanguageRules(
    code="pt",
    rules=(
        Rule("declined action", _PT_NAO + _PT_MODAL + r"(?!\s+(?:\w+\s+)?" + _PT_NOT_DECLINING + r")"),
        Rule("declined action", _PT_NAO + r"(?!ment|esquec)\w+(?:arei|erei|irei)\b"),
        Rule("declined action", r"\A\W*não\s+dá\b(?=\s*[,.!;])|\bnão\s+dá\s+(?:para|pra)\s+(?:te\s+|lhe\s+)?"
                                r"(?:ajudar|fazer\s+isso|atender)"),
        Rule("explicit decline", one_of(
            r"\bme\s+recuso\b", r"\brecuso-me\b", r"\b(?:vou|vou\s+ter|terei|tenho|preciso|devo)\s+"
            r"(?:de\s+|que\s+)?(?:recusar|declinar|negar\s+(?:esse|este|o\s+seu|seu)\s+pedido)",
            r"\bprefiro\s+não\b", r"\bme\s+abstenho\b", r"\bvou\s+passar\s+(?:essa|esta)\b",
            r"\A\W*(?:desculpe?|lamento|sinto\s+muito|infelizmente|foi\s+mal)\W+(?:mas\s+)?não\s*[.!]\s*\Z")),
        Rule("policy", one_of(
            r"\b(?:vai|vão|iria|está|seria)\s+contra\s+(?:as\s+|os\s+)?(?:minhas|nossas|meus|nossos)\s+"
            r"(?:\w+\s+)?(?:diretrizes|políticas|regras|princípios|valores|termos)",
            r"\b(?:viola|violaria|infringe|fere)\s+(?:as\s+|os\s+)?(?:minhas|nossas|meus|nossos|as|os)\s+"
            r"(?:\w+\s+)?(?:diretrizes|políticas|regras|princípios|termos)",
            r"\bnão\s+(?:seria|é)\s+(?:correto|ético|apropriado|adequado|certo|responsável)\s+(?:eu|que\s+eu|"
            r"da\s+minha\s+parte|para\s+mim)\b",
            r"\bfoge\s+(?:às|das|a|de)\s+(?:minhas|nossas)\s+(?:\w+\s+)?(?:diretrizes|políticas|regras)",
            r"\b(?:minhas|as|nossas)\s+(?:diretrizes|políticas|regras)\s+não\s+me\s+(?:permitem|deixam)")),
        Rule("impersonal", one_of(
            r"\bnão\s+me\s+(?:é|será|seria)\s+(?:possível|permitido)\b", r"\bnão\s+é\s+possível\s+para\s+mim\b",
            r"\bnão\s+(?:será|seria)\s+possível\s+(?:\w+\s+){0,2}?(?:atender|ajudar|fazer|fornecer|cumprir|"
            r"responder|realizar|escrever|criar)",
            r"\bnão\s+é\s+algo\s+(?:com\s+(?:que|o\s+qual)\s+|que\s+)eu\s+(?:possa|posso|vá|vou)\b")),
    ),
    trigger=("não", "recus", "declin", "negar", "contra", "viol", "infring", "fere", "foge", "prefiro",
             "abstenho", "passar"),
    contrast=r"\b(?:mas|porém|contudo|no\s+entanto|entretanto|ainda\s+assim|todavia)\b",
    delivery=(r"\baqui\s+(?:está|estão|vai|vão)\b|\b(?:pelo\s+(?:que|trecho|seu|sua)|segundo|"
              r"de\s+acordo|em\s+geral|geralmente|normalmente|costuma|o\s+mais\s+provável|"
              r"provavelmente|parece|esses|essas|estes|estas|o\s+(?:erro|problema|aviso|motivo))\b|\d"),
    offer=(r"\bposso\s+(?:te\s+|lhe\s+)?(?:ajudar|sugerir|indicar|explicar)|\bsugiro\b|\brecomendo\b|"
           r"\bprocure\b|\bfale\s+com\b|\bentre\s+em\s+contato\b|\bligue\b"),
    reported=reported_by(r"disse|diz|respondeu|responde|escreveu|escreve|mensagem|resposta|exemplo|"
                         r"tradução|significa"),
    conditional=conditioned_by(r"se|quando|caso|a\s+menos\s+que"),
    concessive=conceded_by(r"embora|apesar\s+de|ainda\s+que"),
    answer_opener=r"\baqui\s+(?:está|estão|vai)\b",
)
