"""English refusal rules (the parts are described in refusal_grammar.py).

Apostrophes are normalised to ' before matching, and matching ignores case.
"""
from __future__ import annotations

from .refusal_grammar import LanguageRules, Rule, conceded_by, conditioned_by, one_of, reported_by

# Adverbs and hedges that may sit between the modal and the verb.
_ADV = (r"(?:\s+(?:really|actually|just|simply|honestly|truly|possibly|personally|directly|"
        r"currently|therefore|unfortunately|sadly|regrettably|respectfully|ethically|"
        r"responsibly|legally|safely|in good conscience|go ahead and|even|ever|quite))*")

# After a negated modal, these say something else than "I decline": idioms ("can't help but",
# "can't wait", "won't lie"), hedges ("can't say for sure"), and reports of a search that
# found nothing ("can't find any errors", "can't reproduce it").
_NOT_DECLINING = one_of(
    r"help\s+(?:but|it|myself|\w+ing)\b", r"wait", r"believe", r"stress", r"overstate",
    r"over-?emphasi[sz]e", r"emphasi[sz]e", r"understate", r"thank", r"praise",
    r"recommend\b[^.!?\n]{0,40}\benough", r"say\s+(?:for\s+(?:certain|sure)|exactly|precisely|"
    r"with\s+(?:certainty|confidence)|definitively|enough|I)", r"tell\s+(?:for\s+(?:sure|certain)|"
    r"you\s+how|the\s+difference|whether|if|which|from)", r"be\s+(?:sure|certain|100|more|"
    r"happier|prouder|at|in|around|available|there|home|back|late)", r"promise", r"guarantee",
    r"lie", r"pretend", r"deny", r"complain", r"argue", r"disagree", r"agree", r"imagine",
    r"remember", r"recall", r"forget", r"find", r"see", r"spot", r"detect", r"notice", r"locate",
    r"reproduce", r"replicate", r"get\s+(?:enough|over)", r"decide", r"think\s+of", r"speak\s+for",
    r"resist", r"stop\s+\w+ing", r"stand", r"bear", r"fault", r"blame", r"bore", r"sugar-?coat",
    r"keep\s+you", r"make\s+(?:it|any\s+promises)", r"attend", r"miss", r"hold\s+my\s+breath",
    r"go\s+wrong", r"judge", r"overlook", r"ignore", r"understand", r"figure",
    r"able\s+to\s+(?:find|see|spot|reproduce|attend|make\s+it|wait|locate|detect|tell\s+for|join|"
    r"come|be\s+there)", r"be\s+able\s+to\s+(?:attend|make\s+it|join|come|be\s+there)", r"come",
    r"join", r"be\s+there", r"repeat", r"rehash", r"vouch", r"claim", r"take\s+credit",
    r"have\s+said", r"overstress", r"do\s+(?:it\s+)?justice",
    # a search that found nothing: "can't identify any errors", "can't see anything wrong"
    r"\w+\s+(?:any|a\s+single)\s+(?:\w+\s+)?(?:errors?|issues?|problems?|bugs?|mistakes?|typos?|"
    r"flaws?|faults?|inconsistenc\w+|differences?)", r"\w+\s+anything\s+wrong")

# What the speaker declines to do, after the weaker negations ("I don't", "I shouldn't").
_ACTION = one_of(
    r"help", r"assist", r"aid", r"provide", r"give", r"offer", r"share", r"supply", r"create",
    r"generate", r"produce", r"write", r"draft", r"compose", r"craft", r"author", r"make",
    r"build", r"code", r"program", r"develop", r"design", r"do", r"perform", r"carry\s+out",
    r"complete", r"fulfil+", r"comply", r"accommodate", r"support", r"endorse", r"condone",
    r"promote", r"encourage", r"facilitate", r"enable", r"engage", r"participate", r"take\s+part",
    r"get\s+involved", r"be\s+(?:involved|part|(?:a\s+)?party|of\s+(?:any\s+)?(?:help|assistance|use))",
    r"lend", r"go\s+there",
    r"go\s+along", r"continue", r"proceed", r"answer", r"respond", r"reply", r"explain",
    r"describe", r"detail", r"discuss", r"talk\s+about", r"speculate", r"comment", r"weigh\s+in",
    r"guide", r"instruct", r"teach", r"show", r"walk", r"list", r"name", r"reveal", r"disclose",
    r"divulge", r"leak", r"release", r"publish", r"post", r"send", r"look\s+up", r"search",
    r"track", r"trace", r"dox+", r"hack", r"bypass", r"crack", r"impersonate", r"role-?play",
    r"act\s+as", r"put\s+together", r"come\s+up\s+with", r"prepare", r"spell\s+out", r"go\s+into",
    r"touch", r"entertain", r"tell", r"deal\s+in", r"translate", r"edit", r"rewrite",
    # the progressive: "I won't be writing that"
    r"be\s+(?:help|assist|provid|giv|offer|shar|creat|generat|produc|writ|draft|compos|mak|build|"
    r"do|complet|fulfill?|support|engag|participat|answer|explain|describ|discuss|teach|show|"
    r"reveal|disclos|send|translat|tak|go)ing")

_I_STRONG = (
    r"\bI\s*" + one_of(
        r"can(?:no|')t", r"cannot", r"can\s+not", r"can\s+no\s+longer", r"shan't", r"shall\s+not",
        r"(?:won't|will\s+not|will\s+never)(?=\s*[.!,;]|\s+be\s+able)",
        r"(?:'m|\s+am)(?:\s+(?:just|simply|really|afraid\s+I'm))?\s+(?:not\s+(?:able|going|gonna|willing|"
        r"allowed|permitted|authori[sz]ed|prepared|in\s+a\s+position|comfortable|about)|unable|"
        r"unwilling)(?:\s+to)?",
        r"(?:'d|\s+would)(?:n't|\s+not)\s+(?:be\s+able|feel\s+comfortable|be\s+comfortable|"
        r"be\s+willing|want)(?:\s+to)?",
        r"(?:'d|\s+would|\s+had)(?:\s+much)?\s+(?:rather|prefer|better)\s+not(?:\s+to)?",
        r"(?:\s+don't|\s+do\s+not)\s+(?:feel\s+(?:comfortable|right|okay|ok)|have\s+(?:the\s+)?"
        r"(?:ability|capacity|means|permission|authori[sz]ation|capability)\s+to)",
        r"\s+have\s+no\s+(?:way|ability|means)\s+to", r"\s+prefer\s+not\s+to",
        r"(?:'ve|\s+have)?\s+(?:choose|chosen|decided|choosing)\s+not\s+to",
        r"(?:'m|\s+am)\s+(?:programmed|designed|built|instructed)\s+(?:not\s+to|to\s+avoid)",
        r"(?:'m|\s+am)\s+(?:restricted|prohibited|barred|not\s+supposed)\s+(?:from|to)",
        r"(?:'m|\s+am)\s+uncomfortable"))

# ("won't" is here: "I won't charge you", "I won't tell anyone" are promises, not declines)
_I_WEAK = (r"\bI\s*(?:don't|do\s+not|shouldn't|should\s+not|couldn't|could\s+not|mustn't|"
           r"must\s+not|never|won't|will\s+not|will\s+never|'ll\s+never|(?:don't|do\s+not)\s+think\s+I\s+(?:should|can|could|ought\s+to))")

# The start of a terse reply with no subject: "Can't help with that." "Nope, not doing that."
# (a short opener ended by punctuation may come first: "Sorry mate, can't help with that one.")
_TERSE_START = r"\A\W*(?:[\w']+(?:\s+[\w']+)?\s*[,.!\u2014\u2013-]+\s*)*"

RULES = LanguageRules(
    code="en",
    rules=(
        Rule("declined action", _I_STRONG + r"(?!" + _ADV + r"\s+(?:to\s+)?" + _NOT_DECLINING + r"\b)"),
        Rule("declined action", _I_WEAK + _ADV + r"\s+(?!" + _NOT_DECLINING + r"\b)" + _ACTION + r"\b"),
        Rule("declined action", _TERSE_START + one_of(
            r"can(?:no|')t", r"cannot", r"won't", r"unable\s+to", r"not\s+able\s+to",
            r"not\s+(?:going\s+to|gonna)", r"not\s+doing", r"not\s+happening",
            r"declin(?:e|ing)(?:\s+(?:this|that|to)\b|\s*[.!\u2014\u2013-])",
            r"(?:but\s+)?no\s*[.!]\s*\Z",
            r"not\s+(?:something|a\s+request|one)\s+I") + r"(?!" + _ADV + r"\s+" + _NOT_DECLINING + r"\b)"),
        Rule("explicit decline",
             r"\bI(?:'ll|'d|\s+will|\s+would|\s+must|\s+have\s+to|\s+need\s+to|'m|\s+am|\s+shall|"
             r"'ve\s+got\s+to|\s+gotta)?(?:\s+(?:have\s+to|need\s+to|must|going\s+to|gonna|"
             r"respectfully|politely|regretfully|unfortunately|therefore|kindly|firmly|simply|just|"
             r"afraid\s+I|sorry,?\s+but\s+I))*\s+" + one_of(
                 r"declin(?:e|ing)", r"refus(?:e|ing)", r"turn(?:ing)?\s+(?:this\s+|that\s+|it\s+|"
                 r"you\s+)?down", r"pass(?:ing)?(?:\s+on\s+(?:this|that|it|the|writing|creating|"
                 r"helping|doing|answering)\b|(?=\s*(?:[.!,;:\u2014\u2013-]|$)))",
                 r"sit\s+(?:this|that)\s+one\s+out", r"refrain(?:ing)?\s+from",
                 r"abstain(?:ing)?\s+from", r"bow(?:ing)?\s+out", r"draw\s+the\s+line",
                 r"stop\s+you\s+(?:right\s+)?there", r"leave\s+(?:the\s+\w+|that|this|it)\s+"
                 r"(?:up\s+)?to\s+you")
             + r"(?!\s+(?:the|their|his|her|your|an?)\s+(?:\w+\s+)?(?:offer|invitation|job|position|"
               r"meeting|call|cookies|charges?|update))"),
        Rule("explicit decline",
             r"\bI(?:\s+(?:must|have\s+to|need\s+to|will\s+have\s+to|would\s+have\s+to)|"
             r"'ll\s+have\s+to|'d\s+have\s+to|'m\s+going\s+to\s+have\s+to)\s+say\s+no\b"),
        Rule("policy", one_of(
            r"\b(?:against|violat(?:e|es|ing)|contrary\s+to|conflicts?\s+with|in\s+conflict\s+with|"
            r"breach(?:es)?|outside|per|under)\s+" + one_of(
                r"(?:my|our)\s+(?:\w+\s+){0,2}?(?:guidelines|polic(?:y|ies)|principles|rules|values|"
                r"terms|programming|ethics|standards|instructions|code\s+of\s+conduct|boundaries)",
                r"(?:the\s+)?(?:\w+'s\s+)?(?:usage|content|safety|use|acceptable[- ]use)\s+"
                r"polic(?:y|ies)"),
            r"(?:\bnot|n't)\s+(?:be\s+)?(?:appropriate|right|ethical|responsible|okay|ok|acceptable|"
            r"proper|wise)\s+for\s+me\s+to\b",
            r"\b(?:inappropriate|unethical|irresponsible|wrong)\s+for\s+me\s+to\b",
            r"\bI\s+(?:don't|do\s+not)\s+think\s+(?:it|that)(?:'s|'d\s+be|\s+is|\s+would\s+be)\s+"
            r"(?:appropriate|right|ethical|responsible|wise|a\s+good\s+idea|okay|ok|proper)\s+"
            r"(?:for\s+me\s+)?to\b",
            r"\bnot\s+the\s+(?:right|best)\s+(?:tool|place|assistant|person|resource|source)\s+for\s+"
            r"(?:this|that)\b",
            # "My guidelines don't allow me to…", "my programming prevents me from…"
            r"\b(?:my|our|the)\s+(?:\w+\s+)?(?:guidelines|polic(?:y|ies)|programming|rules|principles|"
            r"instructions|values)\s+(?:(?:don't|do\s+not|doesn't|does\s+not|won't)\s+(?:allow|permit|"
            r"let)|prevents?|prohibits?|forbids?|bars?|restricts?)\s+me\b",
            r"\b(?:outside\s+(?:of\s+)?|not\s+within\s+|beyond\s+)my\s+(?:scope|remit|capabilities|purview|role|"
            r"programming|guidelines|ethical\s+guidelines)\b")),
        Rule("impersonal", one_of(
            r"(?:\bnot|n't)\s+(?:something|a\s+(?:request|task|thing|topic|subject|path|road|line|place|"
            r"question|area)|one|anything)\s+(?:that\s+|which\s+)?I(?:'m|'ll|'d|\s+am|\s+can|"
            r"\s+could|\s+will|\s+would|\s+do|\s+feel)?\b(?!\s+(?:know|remember|recall|have|see|"
            r"understand|worry|recommend|would\s+(?:recommend|worry)|'d\s+(?:recommend|worry)|"
            r"am\s+(?:sure|familiar)|'m\s+(?:sure|familiar)))",
            r"\b(?:a\s+request|something)\s+I\s+(?:can(?:no|')t|cannot|won't|will\s+not|"
            r"will\s+never)\b",
            r"\b(?:outside|beyond)\s+(?:of\s+)?(?:what|the\s+(?:scope|boundaries|bounds|limits)\s+"
            r"of\s+what)\s+I\b",
            r"\b(?:off[- ]limits|off\s+the\s+table)\s+for\s+me\b",
            r"\bno\s+can\s+do\b", r"\b(?:that's|that\s+is|it's|it\s+is)\s+a\s+(?:hard\s+|firm\s+)?"
            r"no\b(?![-\w])(?!\s+(?:longer|more|doubt|need|problem|matter|way))",
            r"\blet's\s+not\s+go\s+there\b", r"\bcount\s+me\s+out\b",
            r"\ba\s+line\s+I\s+(?:won't|will\s+not|can't)\s+cross\b",
            r"\bno\s+way\s+(?:I|I'm|I'll)\b(?!\s+(?:know|could\s+know|can\s+tell))")),
        Rule("referral",
             r"\bI(?:'m|\s+am)\s+(?:not|no)\s+(?:a\s+|an\s+|your\s+)?(?:(?:substitute|replacement)\s+for\s+"
             r"(?:a\s+|an\s+|your\s+)?|licensed\s+|qualified\s+|registered\s+|certified\s+)?"
             r"(?:doctor|physician|lawyer|attorney|therapist|pharmacist|psychologist|psychiatrist|"
             r"counsel+or|financial\s+(?:advisor|adviser|planner)|accountant|nurse|(?:medical|legal|"
             r"healthcare|mental\s+health)\s+professional|professional)\b",
             requires=r"\b(?:please|you\s+should|you'll\s+need\s+to|I'd\s+(?:recommend|suggest|urge|"
                      r"encourage)|I\s+(?:recommend|suggest|urge|encourage)|best\s+to|needs?\s+to\s+be)"
                      r"\b[^.!?\n]{0,60}?\b(?:call|contact|consult|see|speak|talk|reach\s+out|ask|"
                      r"answered\s+by|visit|go\s+to)\b"),
        Rule("deflection",
             r"\A\W*(?:rather\s+than|instead\s+of)\b[^.?!\n]{3,120}?,\s*(?:how\s+about|what\s+if|"
             r"why\s+don't\s+we|let's|I(?:'d|'m|\s+would|\s+could|\s+can|\s+am)(?:\s+be)?"
             r"(?:\s+(?:happy|glad))?(?:\s+to)?\s+(?:help|assist|support|work|offer|suggest))"),
        Rule("as an AI",
             r"\bas\s+an?\s+(?:AI|artificial\s+intelligence|(?:AI\s+)?(?:language\s+)?model|LLM|"
             r"(?:AI\s+|virtual\s+)?assistant|chatbot)\b[^.!?\n]{0,80}?\bI\s*(?:can(?:no|')t|cannot|"
             r"won't|will\s+not|don't|do\s+not|am\s+not|'m\s+not|am\s+unable|'m\s+unable|"
             r"must(?:\s+not|\s+refrain|\s+decline)|have\s+no|lack|shouldn't|should\s+not)"
             r"(?!\s+(?:have|experience|feel|possess)\s+(?:feelings|emotions|a\s+(?:body|favou?rite)|"
             r"consciousness|personal\s+(?:feelings|experiences|preferences)|preferences))"),
    ),
    trigger=("n't", "no", "unable", "unwilling", "declin", "refus", "refrain", "abstain", "pass", "polic",
             "guideline", "principle", "appropriate", "ethical", "responsib", "wrong", "outside", "beyond",
             "off-limits", "off limits", "off the table", "rather", "instead", "better", "never", "as a",
             "draw the line", "leave", "nah", "substitute", "stop you", "bow", "sit this", "count me",
             "violat", "against", "conflict", "breach", "turn", "programm", "designed", "restrict",
             "prohibit", "barred", "uncomfortable", "prevent", "forbid", "per my", "under my"),
    contrast=r"\b(?:but|however|though|although|that\s+said|having\s+said\s+that|even\s+so|still|"
             r"nonetheless|nevertheless|that\s+being\s+said)\b",
    delivery=(
        r"\bhere(?:'s|\s+is|\s+are)\b(?!\s+(?:some\s+|a\s+few\s+|several\s+)?(?:resources|alternatives|"
        r"hotlines|organi[sz]ations|numbers|options|places|safer|ways\s+to\s+get|other|what\s+I\s+can))|"
        r"\b(?:based\s+on|from\s+(?:the|your|what|my)|as\s+of|as\s+far\s+as|according\s+to|going\s+by|"
        r"tracing|in\s+general|generally|typically|usually|commonly|often|normally|most(?:ly)?|"
        r"probably|likely|it\s+(?:sounds|looks|seems)|that\s+(?:sounds|looks)|(?:is|are)\s+"
        r"typical|these|those|the\s+(?:answer|problem|issue|cause|error|fix|solution|result|"
        r"culprit|reason|short\s+version|gist)\b)|\d"),
    offer=(r"\bI(?:'d|'m|\s+can|\s+could|\s+would|\s+am)(?:\s+be)?(?:\s+(?:happy|glad|more\s+than\s+"
           r"happy))?(?:\s+to)?\s+(?:help|assist|suggest|offer|point|recommend|explain|share|provide|"
           r"work|give|talk)|\b(?:happy|glad)\s+to\b|\bfeel\s+free\b|\blet\s+me\s+know\b|"
           r"\bif\s+you(?:'d|\s+would)\s+like\b|\bwould\s+you\s+like\b|\bhow\s+about\b|\binstead\b|"
           r"\bconsider\b|\byou\s+(?:could|can|might|may)\s+(?:try|ask|contact|reach|consult|talk|"
           r"speak|look|check|call)|\bplease\s+(?:reach|contact|call|consult|seek|talk|speak|see|"
           r"visit)|\breach\s+out\b|\bseek\b|\b(?:a|your)\s+(?:doctor|lawyer|professional|attorney|"
           r"therapist|pharmacist|counsel+or|advisor|adviser)\b|\bhotline|\bhelpline|\bcrisis\b|"
           r"\bemergency\b|\bpolice\b"),
    # "The bot replied: …", "a typical refusal looks like this: …", "the assistant said …"
    reported=reported_by(
        r"say|says|said|saying|repl(?:y|ies|ied)|respond(?:s|ed)?|answer(?:s|ed|ing)|wr(?:ite|ites|ote)|"
        r"reads?|like\s+this|like|such\s+as|e\.g\.|for\s+(?:example|instance)|example|template|phrase|"
        r"refusal|response|translat\w*|means?|quote[sd]?|told|tells"),
    conditional=conditioned_by(r"if|when|whenever|whether|unless|once|in\s+case|so\s+that"),
    concessive=conceded_by(r"while|whilst|although|though|even\s+though|even\s+if"),
    answer_opener=r"\bhere(?:'s|\s+is|\s+are)\s+(?:the|your|a|an|my)\b|\bbelow\s+(?:is|are)\b",
    # "I can't debug this without the stack trace. Could you paste it?"
    needs_input=(r"\b(?:without|unless\s+(?:I|you))\s+(?:seeing|knowing|more|(?:the|your|a|an|some)\s+"
                 r"(?:\w+\s+)?(?:code|logs?|stack\s*trace|traceback|error|file|data|details|context|"
                 r"output|config\w*|screenshot|query|schema|message|information|example))"
                 r"[^?]{0,200}\?"),
)
