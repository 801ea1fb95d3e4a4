"""Read the numbers in a text as people write them: units, currency, percent, fractions.

`read_numbers(text, locale)` returns every quantity in order, each with the text it was read
from, and the number-like tokens it did not read as quantities (dates, times, versions,
parts of names such as "COVID-19"), so a scorer can say what it took and what it passed over.

Rules (the numeric scorer's documentation repeats them):
- digits with letters glued after are a number with a unit: "12km", "18th", "10am", "5kg";
  letters glued before make a name, not a number ("A4", "H2O", "mp3"), except a currency
  code ("USD5", "Rs.500");
- currency symbols before or after ("$5", "€3,50" in `eu`, "5 €"); "$5M", "€3.2bn", "$10k"
  scale by the suffix when a currency is present, and "5 million", "3 lakh" scale by the
  word whatever precedes them (`magnitudes=False` reads the digits only);
- "45%" is 45 (`percent="fraction"`: 0.45);
- "12/5" is 2.4, "3 1/2" and "3½" are 3.5, "½" is 0.5; "12/5/2023" is a date, not a number;
- thousands separators by locale: en "1,000.5", eu "1.000,5" / "1 000,5", in "1,00,000.5"
  (and "1,000,000.5"), si "1 000.5" / "1 000,5"; thin and no-break spaces group digits in
  every locale; in en and in, "1,5" is two numbers (a list), in eu it is 1.5;
- "1.2.3", "10:30", "2024-01-05", "12.05.2023" are not quantities (listed as skipped);
- the Unicode minus, full-width digits and any script's decimal digits (Devanagari, Arabic-
  Indic, …) are read; a "-" glued to a word or a digit ("COVID-19", "3-5") is not a sign.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Locale = Literal["en", "eu", "in", "si"]
PercentAs = Literal["number", "fraction"]

VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅐⅛⅜⅝⅞⅑⅒↉"
THIN = "\u00a0\u2007\u2009\u202f"  # no-break, figure, thin, narrow no-break spaces
_COMMA_END = r"(?!\d|,\d)"  # "1,000,00" is not 1,000 followed by 0
_DOT_END = r"(?!\d|\.\d)"
LOCALES: dict[str, tuple[str, str]] = {  # integer part, decimal part
    "en": (rf"\d{{1,3}}(?:,\d{{3}})+{_COMMA_END}|\d{{1,3}}(?:[{THIN}]\d{{3}})+(?!\d)|\d+",
           r"\.\d+"),
    "in": (rf"\d{{1,2}}(?:,\d{{2}})*,\d{{3}}{_COMMA_END}|\d{{1,3}}(?:,\d{{3}})+{_COMMA_END}"
           rf"|\d{{1,3}}(?:[{THIN}]\d{{3}})+(?!\d)|\d+", r"\.\d+"),
    # "1.5" is still 1.5 in eu: a dot followed by other than three digits is a decimal point
    "eu": (rf"\d{{1,3}}(?:\.\d{{3}})+{_DOT_END}|\d{{1,3}}(?:[ {THIN}]\d{{3}})+(?!\d)|\d+",
           r"[,.]\d+"),
    "si": (rf"\d{{1,3}}(?:[ {THIN}]\d{{3}})+(?!\d)|\d+", r"[,.]\d+"),
}
GROUP_CHARS = {"en": "," + THIN, "in": "," + THIN, "eu": ". " + THIN, "si": " " + THIN}

# One character in, one out, so positions in the translated text are positions in the text.
_TRANSLATE = {0x2212: "-", 0x2044: "/", 0x2215: "/", 0x066B: ".", 0x066C: ",",
              **{0xFF01 + i: chr(0x21 + i) for i in range(0x5E)}}  # full-width ASCII

CURRENCY_BEFORE = re.compile(
    r"(?:(?<![^\W\d_])(?:US|AU|A|CA|C|HK|NZ|S|NT|MX|R)?\$|[€£¥₹₩₽₺₪₫฿₱₦₴]"
    r"|(?<![^\W\d_])(?:USD|EUR|GBP|JPY|CNY|RMB|INR|CHF|CAD|AUD|BRL|MXN|KRW|Rs|Rp)\.?)[ ]?$")
CURRENCY_AFTER = re.compile(r"[ ]?(?:[€£¥₹₩₽₺₪₫฿₱₦₴$]|(?:USD|EUR|GBP|JPY|CNY|INR|CHF)\b)")
PERCENT_AFTER = re.compile(r"[ ]?(?:%|‰|(?:percent|per cent|pct)\b)", re.IGNORECASE)
MAGNITUDE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
                   "lakh": 1e5, "lakhs": 1e5, "crore": 1e7, "crores": 1e7}
MAGNITUDE_WORD = re.compile(r"[ ]?(" + "|".join(MAGNITUDE_WORDS) + r")\b", re.IGNORECASE)
# after a currency only: "$5M", "€3.2bn", "$10k", "£2m"
MAGNITUDE_SUFFIXES = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "mn": 1e6, "MM": 1e6,
                      "b": 1e9, "B": 1e9, "bn": 1e9, "tn": 1e12, "T": 1e12}
MAGNITUDE_SUFFIX = re.compile(r"(mn|MM|bn|tn|[kKmMbBT])(?![^\W_])")
GLUED_UNIT = re.compile(r"[^\W\d_]+")
START = re.compile(rf"[-+]?(?:\d|[.,]\d|[{VULGAR}])")
# What continues a number-like token that is not a quantity: "1.2.3", "10:30", "12/5/2023"
CONTINUES = re.compile(r"[./:]\d")
ISO_DATE_REST = re.compile(r"-\d{1,2}-\d{1,2}(?!\d)")
DOTTED_DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})(?!\d)")
RUN = re.compile(r"(?:\w|[.,:/\-](?=\w))+")


@dataclass(frozen=True)
class Number:
    value: float
    text: str          # as written, unit and currency included: "$5M", "12km", "3½"
    start: int
    unit: str = ""     # "km", "%", "$", "th"; "" when none is glued on
    scaled: str = ""   # the magnitude applied ("million"), "" when none


@dataclass(frozen=True)
class Skipped:
    text: str
    start: int
    why: str           # "a date", "a time or ratio", "a version or address", "part of a name"


@dataclass(frozen=True)
class Reading:
    numbers: list[Number]
    skipped: list[Skipped]


def _core_pattern(locale: str, mixed: bool) -> re.Pattern:
    integer, decimal = LOCALES[locale]
    mixed_alt = r"(?P<whole>\d+)[ ](?P<mnum>\d+)/(?P<mden>\d+)(?![\d/])|" if mixed else ""
    return re.compile(
        rf"(?P<sign>[-+])?(?:{mixed_alt}"
        rf"(?P<vwhole>\d+)?(?P<vulgar>[{VULGAR}])"
        rf"|(?P<fnum>\d+)/(?P<fden>\d+)"
        rf"|(?P<int>{integer})(?P<dec>{decimal})?(?P<exp>[eE][-+]?\d+)?"
        rf"|(?P<bare>{decimal})(?P<bexp>[eE][-+]?\d+)?)")


_PATTERNS = {(loc, mixed): _core_pattern(loc, mixed) for loc in LOCALES for mixed in (True, False)}


def _digits(text: str) -> str:
    """Unicode decimal digits as ASCII (float() reads them, but we also join strings)."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _core_value(match: re.Match, locale: str) -> float | None:
    g = match.groupdict()
    if g.get("mnum") is not None:
        num, den = int(_digits(g["mnum"])), int(_digits(g["mden"]))
        if den == 0 or num >= den:
            return None
        return int(_digits(g["whole"])) + num / den
    if g["vulgar"] is not None:
        return int(_digits(g["vwhole"] or "0")) + unicodedata.numeric(g["vulgar"])
    if g["fnum"] is not None:
        den = int(_digits(g["fden"]))
        return int(_digits(g["fnum"])) / den if den else None
    integer = g["int"] or ""
    for ch in GROUP_CHARS[locale]:
        integer = integer.replace(ch, "")
    decimal = (g["dec"] or g["bare"] or "").replace(",", ".")
    exponent = g["exp"] or g["bexp"] or ""
    return float(_digits(f"{integer or '0'}{decimal}{exponent}"))


SPACELESS = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF),
             (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
             (0x20000, 0x3FFFF))


def _word_char(ch: str) -> bool:
    """A letter of a script written with spaces: digits glued to it make a name.

    Chinese, Japanese, Korean, Thai… glue numbers to words ("共12个"), so not those."""
    if not (ch.isalpha() or ch == "_"):
        return False
    return not any(lo <= ord(ch) <= hi for lo, hi in SPACELESS)


def _name_before(text: str, start: int) -> bool:
    """Digits glued to a word ("A4", "mp3") or hyphenated to one ("COVID-19", "GPT-4")."""
    before = text[start - 1] if start else ""
    if _word_char(before):
        return True
    return before in "-‐" and start >= 2 and _word_char(text[start - 2])


def read_numbers(text: str, locale: Locale = "en", *, magnitudes: bool = True,
                 percent: PercentAs = "number") -> Reading:
    """Every quantity in `text` in order, and the number-like tokens that are not quantities."""
    written, text = text, text.translate(_TRANSLATE)  # same length: positions carry over
    numbers: list[Number] = []
    skipped: list[Skipped] = []
    pos = 0
    while (found := START.search(text, pos)) is not None:
        start = found.start()
        if text[start] in ".," and start and text[start - 1].isalnum():
            start += 1  # "Rs.500", "1,5" in en: not a decimal point
        first_digit = start + (1 if text[start] in "+-" else 0)
        currency = CURRENCY_BEFORE.search(text, max(pos, start - 6), start)
        if _name_before(text, first_digit) and not currency:
            word_start = start
            while word_start and (text[word_start - 1].isalnum() or text[word_start - 1] in "-‐_"):
                word_start -= 1
            end = RUN.match(text, first_digit).end()
            skipped.append(Skipped(written[word_start:end], word_start, "part of a name"))
            pos = end
            continue
        match = _PATTERNS[(locale, True)].match(text, start)
        if match is not None and match.group("mnum") is not None and _core_value(match, locale) is None:
            match = _PATTERNS[(locale, False)].match(text, start)  # "3 12/5": two numbers
        if match is None:
            pos = start + 1
            continue
        end = match.end()
        why = _not_a_quantity(text, match)
        if why:
            run_end = RUN.match(text, first_digit).end()
            skipped.append(Skipped(written[first_digit:run_end], first_digit, why))
            pos = run_end
            continue
        value = _core_value(match, locale)
        if value is None:  # "1/0"
            skipped.append(Skipped(written[start:end], start, "a division by zero"))
            pos = end
            continue
        negative = match.group("sign") == "-"
        if match.group("sign") and start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            negative, start = False, start + 1  # "3-5" is a range, not 3 and -5
        number_start = currency.start() if currency else start
        if currency and number_start and text[number_start - 1] == "-" and not (
                number_start >= 2 and text[number_start - 2].isalnum()):
            negative, number_start = True, number_start - 1  # "-$5"
        number, end = _suffixes(text, end, value, currency is not None, magnitudes, percent)
        value, unit, scaled = number
        if currency and not unit:
            unit = currency.group(0).strip()
        numbers.append(Number(-value if negative else value, written[number_start:end].strip(),
                              number_start, unit, scaled))
        pos = end
    return Reading(numbers, skipped)


def _not_a_quantity(text: str, match: re.Match) -> str:
    end = match.end()
    if CONTINUES.match(text, end):
        following = text[end]
        if following == ":":
            return "a time or ratio"
        digits_start = match.start() + (1 if match.group("sign") else 0)
        if following == "/" or DOTTED_DATE.match(text, digits_start):
            return "a date"
        return "a version or address"
    if (match.group("int") and len(match.group("int")) == 4 and not match.group("dec")
            and ISO_DATE_REST.match(text, end)):
        return "a date"
    return ""


def _suffixes(text: str, end: int, value: float, has_currency: bool, magnitudes: bool,
              percent: PercentAs) -> tuple[tuple[float, str, str], int]:
    """Percent, magnitude words or suffixes, and a glued unit after the digits."""
    unit, scaled = "", ""
    if (found := PERCENT_AFTER.match(text, end)) is not None:
        end, unit = found.end(), "%"
        if percent == "fraction":
            value /= 100 if found.group(0).strip() != "‰" else 1000
        return (value, unit, scaled), end
    if (word := MAGNITUDE_WORD.match(text, end)) is not None:
        if magnitudes:
            value *= MAGNITUDE_WORDS[word.group(1).lower()]
            scaled = word.group(1).lower()
        return (value, unit, scaled), word.end()
    suffix = MAGNITUDE_SUFFIX.match(text, end)
    after = CURRENCY_AFTER.match(text, suffix.end() if suffix else end)
    if suffix is not None and (has_currency or after) and magnitudes:
        value *= MAGNITUDE_SUFFIXES[suffix.group(1)]
        scaled, end = suffix.group(1), suffix.end()
    if after is not None and not has_currency:
        return (value, after.group(0).strip(), scaled), after.end()
    if (glued := GLUED_UNIT.match(text, end)) is not None:
        unit = glued.group(0) if _word_char(glued.group(0)[0]) else glued.group(0)[0]  # "12个"
        end += len(unit)
    return (value, unit, scaled), end


def numbers(text: str, locale: Locale = "en") -> list[float]:
    """Every quantity in the text, in order (values only)."""
    return [n.value for n in read_numbers(text, locale).numbers]
