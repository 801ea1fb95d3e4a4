"""Labelled citation cases: a sentence citing one source, and whether the source backs it.

Labels are a reader's judgement of the source text, written with the cases (not produced by
evalkit). `known` marks the cases the deterministic checks get wrong on purpose-free
grounds, with the reason; the README lists the same limits.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CitationCase:
    lang: str
    source: str
    sentence: str
    supported: bool
    known: str = ""  # why the scorer disagrees with the label (a documented limit)


RETURNS = "Items can be returned within 30 days of delivery. Refunds go to the original card."
SHIPPING = "Standard shipping takes 3 to 5 business days. Express shipping costs $15."
TOWER = ("The Eiffel Tower in Paris was completed in 1889. It is 330 metres tall and was "
         "designed by the company of Gustave Eiffel.")
PETS = "Pets are not allowed in the hotel rooms. Guide dogs are welcome everywhere."
PLAN = "The premium plan costs €9.99 per month and includes 5% cash back on every purchase."

CASES = [
    CitationCase("en", RETURNS, "You can return items within 30 days of delivery.", True),
    CitationCase("en", RETURNS, "You can return items within 90 days of delivery.", False),
    CitationCase("en", RETURNS, "Items cannot be returned within 30 days of delivery.", False),
    CitationCase("en", RETURNS, "Items can be returned within thirty days of delivery.", True),
    CitationCase("en", RETURNS, "Refunds go to the original card.", True),
    CitationCase("en", RETURNS, "Refunds go to the original card in Germany.", False),
    CitationCase("en", RETURNS, "Refunds are paid in cash at any store.", False),
    CitationCase("en", RETURNS, "Items can't be returned within 30 days of delivery.", False),
    CitationCase("en", SHIPPING, "Standard shipping takes 3 to 5 business days.", True),
    CitationCase("en", SHIPPING, "Standard shipping takes 2 to 4 business days.", False),
    CitationCase("en", SHIPPING, "Express shipping costs $15.", True),
    CitationCase("en", SHIPPING, "Express shipping costs $25.", False),
    CitationCase("en", SHIPPING, "Standard shipping takes three to five business days.", True),
    CitationCase("en", TOWER, "The Eiffel Tower was completed in 1889.", True),
    CitationCase("en", TOWER, "The Eiffel Tower was completed in 1899.", False),
    CitationCase("en", TOWER, "The Eiffel Tower in Paris is 330 metres tall.", True),
    CitationCase("en", TOWER, "The Eiffel Tower in Lyon is 330 metres tall.", False),
    CitationCase("en", TOWER, "The tower was designed by the company of Gustave Eiffel.", True),
    CitationCase("en", TOWER, "The tower was designed by the company of Antoni Gaudí.", False),
    CitationCase("en", TOWER, "The Eiffel Tower is 330 m tall.", True),
    CitationCase("en", PETS, "Pets are not allowed in the hotel rooms.", True),
    CitationCase("en", PETS, "Pets are allowed in the hotel rooms.", False),
    CitationCase("en", PETS, "Guide dogs are welcome everywhere.", True),
    CitationCase("en", PETS, "Guide dogs are not welcome in the hotel.", False),
    CitationCase("en", PETS, "No pets are allowed in the hotel rooms.", True),
    CitationCase("en", PLAN, "The premium plan costs €9.99 per month.", True),
    CitationCase("en", PLAN, "The premium plan costs €19.99 per month.", False),
    CitationCase("en", PLAN, "It includes 5% cash back on every purchase.", True),
    CitationCase("en", PLAN, "It includes 10% cash back on every purchase.", False),
    CitationCase("en", PLAN, "The premium plan costs 9.99 euros per month.", True),
    CitationCase("en", RETURNS, "Items cannot be returned after 30 days of delivery.", True,
                 known="negation: 'cannot … after' restates 'can … within'; words cannot tell"),
    CitationCase("en", RETURNS, "You have a month after delivery to return items.", True,
                 known="paraphrase: 'a month' for '30 days' shares too few words"),
    CitationCase("en", SHIPPING, "Express shipping is free.", False,
                 known="an antonym ('free' for 'costs $15') is no number, negation or name"),
    CitationCase("en", TOWER, "The Eiffel Tower is 1,083 feet tall.", True,
                 known="numbers: a converted unit (330 m = 1,083 ft) is not the same number"),
    CitationCase("en", RETURNS, "Items can be returned within 30 days of purchase.", False,
                 known="one changed word (purchase for delivery) keeps the overlap above 0.5"),
    CitationCase("es", "Los productos se pueden devolver en un plazo de 30 días.",
                 "Los productos se pueden devolver en un plazo de 30 días.", True),
    CitationCase("es", "Los productos se pueden devolver en un plazo de 30 días.",
                 "Los productos no se pueden devolver en un plazo de 30 días.", False),
    CitationCase("es", "Los productos se pueden devolver en un plazo de 30 días.",
                 "Los productos se pueden devolver en un plazo de 60 días.", False),
    CitationCase("de", "Die Rückgabe ist innerhalb von 30 Tagen möglich.",
                 "Die Rückgabe ist innerhalb von 30 Tagen möglich.", True),
    CitationCase("de", "Die Rückgabe ist innerhalb von 30 Tagen möglich.",
                 "Die Rückgabe ist innerhalb von 30 Tagen nicht möglich.", False),
    CitationCase("fr", "Le musée est ouvert le lundi jusqu'à 18 h.",
                 "Le musée est ouvert le lundi jusqu'à 18 h.", True),
    CitationCase("fr", "Le musée est ouvert le lundi jusqu'à 18 h.",
                 "Le musée n'est pas ouvert le lundi.", False),
    CitationCase("hi", "वापसी की अवधि 30 दिन है।", "वापसी की अवधि 30 दिन है।", True),
    CitationCase("hi", "वापसी की अवधि 30 दिन है।", "वापसी की अवधि 90 दिन है।", False),
    CitationCase("hi", "वापसी की अवधि 30 दिन है।", "वापसी की अवधि 30 दिन नहीं है।", False),
    CitationCase("hi", "हिन्दी भारत की राजभाषा है।", "हिन्दू धर्म बहुत पुराना है।", False),
    CitationCase("hi", "वापसी की अवधि ३० दिन है।", "वापसी की अवधि 30 दिन है।", True),
    CitationCase("zh", "退货期限为收货后30天。", "退货期限为收货后30天。", True),
    CitationCase("zh", "退货期限为收货后30天。", "退货期限为收货后90天。", False),
    CitationCase("zh", "他喜欢吃辣的食物。", "他不喜欢吃辣的食物。", False),
    CitationCase("zh", "北京是中国的首都。", "北京是中国非常重要的首都。", True),
    CitationCase("ar", "لا يمكن إرجاع المنتجات بعد ٣٠ يومًا.", "لا يمكن إرجاع المنتجات بعد 30 يومًا.",
                 True),
    CitationCase("ar", "لا يمكن إرجاع المنتجات بعد ٣٠ يومًا.", "يمكن إرجاع المنتجات بعد ٣٠ يومًا.",
                 False),
    CitationCase("tr", "İade süresi teslimattan itibaren 30 gündür.",
                 "İade süresi teslimattan itibaren 30 gündür.", True),
    CitationCase("tr", "İade süresi teslimattan itibaren 30 gündür.",
                 "İade süresi teslimattan itibaren 45 gündür.", False),
    CitationCase("tr", "Ürün iade edilebilir.", "Ürün iade edilemez.", False,
                 known="negation: Turkish negates inside the verb (-e-me-), no separate word"),
    CitationCase("ja", "返品は商品到着後30日以内に受け付けます。", "返品は商品到着後30日以内に受け付けます。", True),
    CitationCase("ja", "返品は商品到着後30日以内に受け付けます。", "返品は商品到着後60日以内に受け付けます。", False),
]
