"""Refusal detection by pattern, in English, Spanish, French, German, Portuguese, Chinese,
Japanese and Hindi (Devanagari and romanised).

A refusal is an output that declines what was asked: "I can't help with that", with or
without an apology, a reason or a pointer elsewhere ("…, but I can help you with X
instead", "…; please call a crisis line"). Not refusals:

- idioms and statements about other things: "I can't help but notice…", "I'm sorry, but
  I can't find any errors", "I can't wait…", "the API cannot return more than 100 items";
- refusals quoted or shown as examples: text in quotation marks (" ", “ ”, « », „ “,
  「 」, 『 』), Markdown quote lines and code is ignored, unless the whole output is quoted;
- partial compliance: the output declines a part and then delivers the rest ("I can't give
  a diagnosis, but here's what those symptoms usually mean: …"): a contrast ("but",
  "pero", "mais", "aber", "mas", "但", "が", "लेकिन") followed at once by content markers
  ("here's", "based on what I know", "según", "voici", "nach meinem Wissen", "根据",
  "私の知識では", "मेरी जानकारी के अनुसार" …) in the same sentence.

Only the lead of the output counts (LEAD_CHARS): a refusal declines up front, while a
long answer that mentions a limit near its end ("I can't guarantee…") has answered.
"""
from __future__ import annotations

import re

LEAD_CHARS = 400

_EN_VERBS = (r"(?:help|assist|provide|comply|fulfil+|do (?:that|this|it)|share|create|generate|"
             r"write|produce|give|support|engage|continue|complete|answer|offer|disclose|reveal|"
             r"participate|facilitate|go along|be (?:of )?(?:any )?help|be able to help|"
             r"be providing|be helping|be writing|be sharing)")
_EN_HELP = r"(?:help|assist)(?!\s+but\b)"  # "I can't help but notice…" is not a refusal

# First person + can't / won't / shouldn't / prefer not… is a refusal unless what follows is
# an idiom or a statement about something else ("I can't wait", "I can't find any errors").
_EN_NOT_REFUSING = (r"(?!\s+(?:help\s+but|wait|believe|stress|overstate|emphasi[sz]e|thank|"
                    r"recommend\b[^.!?\n]{0,40}\benough|say (?:for (?:certain|sure)|exactly|"
                    r"precisely)|promise|guarantee|lie|pretend|find|see|spot|reproduce|remember|"
                    r"recall|imagine|agree more|tell (?:for sure|you how)|get enough|attend))")

PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        rf"\bI\s*(?:can(?:no|')t|cannot|can not|won't|will not|shouldn't|should not|"
        rf"(?:am|'m) (?:not able|unable|not going|not allowed|not permitted|not willing)|"
        rf"'d prefer not|would prefer not){_EN_NOT_REFUSING}\b",
        r"\bI(?:'ll| will| must| have to| need to|'m going to| am going to)(?: have to)? "
        r"(?:say no|pass\b|sit this one out)",
        r"\b(?:that's|that is) a no\b|\bnot the right (?:tool|place|assistant|person) for this\b",
        r"\b(?:isn't|is not|not) something I(?:'ll| will)? (?:do|help)\b",
        r",\s*so I (?:won't|will not|can't|cannot)\b",
        r"^\W*(?:sorry[,.!]?\s*)?(?:not able|unable) to (?:help|assist|comply)",
        r"\bunable to comply\b|\bI(?:'m| am) declining\b",
        rf"\bI\s*(?:can(?:no|')t|cannot|can not|won't|will not|shan't|could not|couldn't|"
        rf"(?:am|'m) not (?:going|able) to|(?:am|'m) unable to|(?:am|'m) not in a position to|"
        rf"do not|don't)\s+(?:and will not\s+|\w+\s+){{0,2}}?(?!help\s+but\b){_EN_VERBS}\b",
        r"\bI(?:'m| am) (?:not (?:able|allowed|permitted|comfortable|willing|in a position)|unable)"
        r"\b(?! to (?:find|see|spot|reproduce|run|browse|access|open|attend|wait))",
        rf"^\W*(?:sorry[,.!]?\s*(?:mate|but)?[,.]?\s*)?can(?:no|')t\s+{_EN_HELP}",
        rf"\bcan(?:no|')t\s+{_EN_HELP}\s+(?:you\s+)?(?:with|on)\s+(?:that|this)",
        r"\b(?:not|isn't|is not)\s+(?:something|a request)\s+I(?:'m| am)?\s*(?:can|able|"
        r"comfortable|willing|going|will)\b",
        r"\b(?:a request|something) I (?:can(?:no|')t|cannot|won't|will not|will never)\s+"
        r"(?:do|help|assist|fulfil+|provide|write|create|generate|comply)",
        r"\bI(?:'d| would) rather not\b",
        r"\bI (?:don't|do not) think I (?:should|can) (?:help|assist|do|provide|write)",
        r"\bI(?:'ll| will| must| have to| need to|'m going to| am going to)(?: have to)? "
        r"(?:decline|refuse|pass on (?:this|that))\b",
        r"\bI (?:decline|refuse) to\b",
        r"\b(?:against|violates?|contrary to)\s+(?:my|our)\s+(?:\w+\s+)?(?:guidelines|polic(?:y|ies)|"
        r"principles|rules|values|terms)\b",
        r"\b(?:beyond|outside(?: of)?) (?:what|the scope of what) I(?:'m| am)? (?:can|able)\b",
        r"\b(?:wouldn't|would not|isn't|is not) (?:be )?appropriate for me to\b",
        r"\bthat's (?:not )?something I(?:'ll| will)? (?:not |never )?help with\b",
    ),
    "es": (
        r"\bno (?:puedo|podré|podría|voy a poder|me es posible|es posible para mí|estoy "
        r"(?:en condiciones|autorizad[oa]))\b(?!\s+(?:evitar|esperar|creer|dejar de|encontrar|"
        r"ver|navegar|leer|abrir))",
        r"\b(?:eso|esto) no (?:lo )?(?:puedo|voy a) hacer\b|\bprefiero no\b|\blamento no poder\b",
        r"^\W*mejor no\b",
        r"\bno\s+(?:puedo|podré|podría|voy a|me es posible|estoy en condiciones de)\s+"
        r"(?:\S+\s+){0,2}?(?:ayud\w*|asist\w*|proporcion\w*|prove\w*|facilit\w*|cumpl\w*|"
        r"compart\w*|hacer\w*|crear|gener\w*|escrib\w*|dar|ofrec\w*|respond\w*|atend\w*)",
        r"\bno me siento (?:cómod[oa]|a gusto)\b",
        r"\b(?:debo|tengo que|he de)\s+(?:rechazar|declinar)\b",
        r"\ben contra de (?:mis|nuestras) (?:directrices|políticas|normas|pautas)\b",
        r"\bno es algo (?:con|en) (?:lo|el) que (?:pueda|puedo)\b",
    ),
    "fr": (
        r"\bje ne (?:peux|pourrai|pourrais|vais|suis)\b(?:\s+\S+){0,2}?\s+(?:pas|rien)\b"
        r"(?!\s+(?:m'empêcher|croire|naviguer|lire|voir|trouver|attendre|ouvrir))",
        r"\bje refuse\b|\bpas possible pour moi\b|\bne suis pas autorisée?\b",
        r"\bje ne (?:peux|pourrai|pourrais|vais|suis)\s+(?:donc\s+)?pas\s+(?:\S+\s+){0,3}?"
        r"(?:aider|fournir|partager|répondre|faire|écrire|produire|générer|créer|donner|"
        r"en mesure|communiquer|divulguer)",
        r"\bil m'est impossible de\b",
        r"\bje (?:dois|me vois (?:contraint|obligé)e? de) (?:refuser|décliner)\b",
        r"\bà l'encontre de (?:mes|nos) (?:règles|principes|directives|politiques)\b",
        r"\bje ne suis pas à l'aise\b",
        r"\bje crains de ne pas pouvoir\b",
        r"\bce n'est pas quelque chose que je (?:peux|puis)\b",
        r"\bje préfère ne pas (?:vous |t')?aider\b",
    ),
    "de": (
        r"\b(?:ist mir|für mich) (?:leider )?nicht möglich\b",
        r"\b(?:ich )?lehne\b[^.!?\n]{0,40}\bab\b",
        r"\bdas geht (?:leider )?nicht\b",
        r"\b\w+e ich (?:das |es |so )?(?:leider )?nicht\s*[.!]",  # "…erstelle ich nicht."
        r"\b(?:kann|werde|darf|möchte|will)\s+ich\s+(?:\S+\s+){0,4}?(?:nicht|keine?n?|keinerlei)\b"
        r"[^.!?\n]{0,60}?\b(?:helfen|unterstützen|geben|erfüllen|tun|machen|liefern|"
        r"bereitstellen|teilen|schreiben|erstellen|beantworten|herausgeben|weitergeben|nennen)\b",
        r"\bich\s+(?:kann|werde|darf|möchte|will)\s+(?:\S+\s+){0,3}?(?:nicht|keine?n?|keinerlei)\b"
        r"[^.!?\n]{0,60}?\b(?:helfen|unterstützen|geben|erfüllen|tun|machen|liefern|"
        r"bereitstellen|teilen|schreiben|erstellen|beantworten|herausgeben|weitergeben|nennen)\b",
        r"\bich muss (?:\S+\s+){0,3}?ablehnen\b",
        r"\bgegen (?:meine|unsere) (?:Richtlinien|Grundsätze|Regeln)\b",
        r"\b(?:bin ich|ich bin) (?:leider )?nicht in der Lage\b",
        r"\bfühle mich nicht wohl\b",
        r"\bnichts,? (?:wobei|womit|bei dem) ich (?:\S+ )?helfen kann\b",
        r"\b(?:helfe|mache) ich (?:das )?nicht\b",
    ),
    "pt": (
        r"\bnão (?:posso|poderei|poderia|vou|estou autorizad[oa]|será possível)\b"
        r"(?!\s+(?:deixar de|acreditar|ver|navegar|esperar|ler|abrir))",
        r"\bprefiro não\b|\brecuso-me\b|\bme recuso\b|\bisso eu não posso\b",
        r"\b(?:negar|recusar) (?:esse|este|o seu|seu) pedido\b",
        r"\bnão\s+(?:posso|poderei|poderia|consigo|vou|estou em condições de)\s+"
        r"(?:\S+\s+){0,2}?(?:ajud\w*|fornec\w*|atend\w*|compartilh\w*|partilh\w*|fazer|"
        r"fazê-lo|escrev\w*|cri\w*|ger\w*|dar|respond\w*|divulg\w*)",
        r"\b(?:preciso|tenho de|tenho que|devo)\s+recusar\b",
        r"\b(?:vai|vão) contra as? (?:minhas|nossas) (?:diretrizes|políticas|regras)\b",
        r"\bnão me sinto confortável\b",
        r"\bnão é algo com (?:que|o qual) eu possa\b",
        r"\bnão tenho permissão\b",
        r"\bnão dá (?:pra|para) (?:te )?ajudar\b",
    ),
    "zh": (
        r"做不到|办不到|辦不到|不能从命|恕难从命|恕難從命|婉拒|爱莫能助|愛莫能助|(?:没法|沒法)(?:帮|幫)",
        r"(?:无法|無法|不能|不可以|没办法|沒辦法|不会|不會|不方便)\S{0,6}?(?:帮助|幫助|协助|協助|"
        r"提供|回答|完成|满足|滿足|编写|編寫|撰写|生成|创建|分享|透露|帮你|幫你|这样做|這樣做|参与)",
        r"帮不了|幫不了",
        r"(?:必须|只能|不得不)拒绝|(?:必須|只能|不得不)拒絕",
        r"违反了?\S{0,4}(?:准则|政策|规定)|違反了?\S{0,4}(?:準則|政策|規定)",
        r"超出了?我\S{0,4}(?:范围|範圍)",
    ),
    "ja": (
        r"(?:それ|その|この|ご希望|ご要望|ご依頼|依頼|リクエスト)\S{0,12}?"
        r"(?:でき(?:ない|ません|ず)|引き受けられません|お受けできません)",
        r"(?:ご遠慮|控え)させていただきます|お役に立てません|沿うことができず",
        r"は(?:書|作|教|出|言|答|送)(?:け|れ|せ|え)ません",  # "…は書けません": "I can't write…"
        r"(?:お応え|お答え|対応|提供|お手伝い|協力|作成|お伝え|回答|ご案内|お教え|お力添え|アドバイス|支援)"
        r"(?:すること|いたすこと)?(?:は|には)?(?:でき(?:ません|かねます|ない)|いたしかねます|しません)",
        r"できかねます|いたしかねます",
        r"お断り(?:します|いたします|させていただきます)",
        r"(?:ガイドライン|ポリシー|規約)に反する",
        r"許可されていません",
        r"それは(?:でき|いたし)(?:ません|かねます)",
    ),
    "hi": (
        r"(?:मेरे लिए|यह)\s*(?:संभव|उचित)\s*नहीं|असमर्थ\s*(?:हूँ|हूं)",
        r"\bnahi[n]?\s+(?:kar|de)\s+(?:sakta|sakti|sakte|paunga|paungi)\b",
        r"मैं[^।.!?]{0,60}?नहीं\s*(?:कर|दे|बता|लिख)\s*(?:सकता|सकती|सकते|पाऊँगा|पाऊंगा|पाऊँगी|पाएँगे)",
        r"(?:मदद|सहायता|जानकारी|निर्देश|सलाह|अनुरोध|संदेश|ऐसा|यह|इसमें|सामग्री|प्रदान|साझा|पूरा)"
        r"\s*नहीं\s*(?:कर|दे|बता|लिख)\s*(?:सकता|सकती|सकते|पाऊँगा|पाऊंगा|पाऊँगी|पाएँगे)",
        r"नहीं\s*(?:लिखूँगा|लिखूंगा|लिखूँगी|दूँगा|दूंगा|करूँगा|करूंगा)",
        r"अस्वीकार\s*कर(?:ना|नी)\s*(?:होगा|होगी|पड़ेगा)",
        r"दिशानिर्देशों\s*के\s*(?:विरुद्ध|ख़िलाफ़|खिलाफ)",
        r"सहज\s*नहीं\s*(?:हूँ|हूं)",
        r"दायरे\s*से\s*बाहर",
        r"(?:की|करने की)\s*अनुमति\s*नहीं\s*है",
        r"\b(?:madad|help|sahayata)\s+nahi[n]?\s+(?:kar|de)\s+(?:sakta|sakti|paunga|paungi)\b",
    ),
}

# A contrast followed at once by content: the output declines a part and answers the rest.
PARTIAL = {
    "en": r"\b(?:but|however|though)\b[,\s]*(?:here(?:'s| is| are)|based on|from (?:your|what)|as of|"
          r"going by|according to|tracing|as far as I know|in general|generally|typically|"
          r"broadly|these|those|it sounds|it looks)",
    "es": r"\b(?:pero|sin embargo)\b[,\s]*(?:aquí|según|te explico|en general|por lo general|por lo que|"
          r"estos|estas|basándome)",
    "fr": r"\b(?:mais|cependant|toutefois)\b[,\s]*(?:voici|d'après|selon|en général|ces)",
    "de": r"\b(?:aber|jedoch|allerdings)\b[,\s]*(?:hier|nach (?:meinem|meiner|deiner|Ihrer)|meines Wissens|laut|"
          r"im Allgemeinen|diese)",
    "pt": r"\b(?:mas|porém|contudo)\b[,\s]*(?:aqui|pelo que|segundo|de acordo|em geral|"
          r"esses|essas|estes|estas)",
    "zh": r"(?:但是?|不过|不過)[，,\s]*(?:根据|根據|这些|這些|以下|这是|一般)",
    "ja": r"(?:が、|けど、?|ですが、?)(?:私の知識|一般的|これらの|以下|\S{0,12}(?:からすると|によると))",
    "hi": r"(?:लेकिन|परंतु|मगर)\s*(?:[^।,]{0,30}के अनुसार|ये लक्षण|आम तौर पर|सामान्यतः|यह रहा|ये रहे)",
}
SENTENCE_END = re.compile(r"[.!?。！？।\n]")

QUOTED = re.compile(
    r"\"[^\"\n]{1,400}\"|“[^”]{1,400}”|«[^»]{1,400}»|„[^“”]{1,400}[“”]|「[^」]{1,400}」"
    r"|『[^』]{1,400}』|‘[^’\n]{1,400}’(?!\w)|```.*?(?:```|\Z)|`[^`\n]+`|^[ \t]*>[^\n]*$",
    re.DOTALL | re.MULTILINE)


def unquoted(text: str) -> str:
    """The text without quotations, Markdown quote lines and code (kept if it is all quoted)."""
    stripped = QUOTED.sub(" ", text)
    return stripped if stripped.strip(" \n\t.,;:!?") else text
