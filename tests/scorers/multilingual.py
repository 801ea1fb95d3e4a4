"""Sentences in many scripts, and seeded prediction/reference pairs made from them.

Written for these tests (short factual sentences, the kind golden answers and summaries
hold), with the hard parts of each script: Indic vowel signs and viramas (Hindi, Bengali,
Tamil), Turkish dotted and dotless i, Arabic and Hebrew without spaces before
punctuation, Chinese, Japanese and Thai without spaces between words, Vietnamese stacked
diacritics, numbers with separators, currency, percentages and emoji.
"""
from __future__ import annotations

import random

SENTENCES: dict[str, list[str]] = {
    "en": [
        "The Eiffel Tower is 330 metres tall and was finished in 1889.",
        "Refunds are issued within 30 days, and shipping costs $12.50 per order.",
        "The U.S. Senate meets at 10 a.m. on weekdays.",
        "About 1,000 people attended the state-of-the-art conference in Berlin.",
        "Water boils at 100°C at sea level; it doesn't at the top of Everest.",
        "Our premium plan costs €9.99 a month 😀 and includes 5% cash back.",
        "The report, published in 2021, says inflation rose to 3.14%.",
        "She said: \"I can't attend the meeting on Friday.\"",
        "Mount Kilimanjaro is the highest mountain in Africa.",
        "The train from Paris to Lyon takes two hours.",
    ],
    "de": [
        "Die Straße in München ist 2,5 Kilometer lang.",
        "Der Rückgabezeitraum beträgt 30 Tage ab Lieferung.",
        "Über 1.000 Menschen besuchten die Ausstellung im Museum.",
        "Größere Bestellungen werden kostenlos verschickt.",
        "Das Gebäude wurde 1998 von einem Architekten aus Köln entworfen.",
        "Äpfel und Birnen wachsen im Süden des Landes.",
        "Die Konferenz beginnt um 9 Uhr und endet um 17 Uhr.",
        "Fußgänger müssen die Brücke über die Isar benutzen.",
    ],
    "fr": [
        "L'hôpital se trouve à côté de la gare centrale.",
        "Les élèves étudient le français et l'anglais depuis l'âge de six ans.",
        "Le musée est fermé le lundi et ouvert jusqu'à 18 h.",
        "La Tour Eiffel mesure 330 mètres de hauteur.",
        "Nous avons reçu 1 250 réponses à notre enquête.",
        "Cette œuvre a été peinte au XIXᵉ siècle.",
        "Le prix est de 12,50 € par personne.",
        "Il n'y a pas de frais de livraison pour les commandes françaises.",
    ],
    "es": [
        "El niño comió una manzana en el jardín.",
        "La montaña más alta de España es el Teide.",
        "¿Cuántos años tiene tu hermano mayor?",
        "El envío cuesta 5 € y tarda tres días.",
        "La reunión empezó a las 10:30 de la mañana.",
        "Más de 2.500 personas participaron en la encuesta.",
        "Los pingüinos viven en el hemisferio sur.",
        "La canción fue compuesta por un músico argentino.",
    ],
    "vi": [
        "Hà Nội là thủ đô của Việt Nam.",
        "Tiếng Việt có sáu thanh điệu khác nhau.",
        "Người dân ở đây trồng lúa và nuôi cá.",
        "Sông Mê Kông chảy qua nhiều quốc gia.",
        "Giá vé là 150.000 đồng một người.",
        "Chúng tôi sẽ gặp nhau vào thứ Bảy tuần sau.",
        "Phở là món ăn nổi tiếng của người Việt.",
        "Trường học mở cửa lúc bảy giờ sáng.",
    ],
    "ru": [
        "Москва — столица России.",
        "Озеро Байкал самое глубокое в мире.",
        "Ёлка стоит в центре площади.",
        "Поезд отправляется в 8:15 утра.",
        "Население города составляет 1,2 миллиона человек.",
        "Мы не получили ваш заказ вовремя.",
        "Пушкин написал роман «Евгений Онегин».",
        "Возврат возможен в течение 14 дней.",
    ],
    "el": [
        "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
        "Ο Όλυμπος είναι το ψηλότερο βουνό της χώρας.",
        "Τα παιδιά παίζουν στην πλατεία κάθε απόγευμα.",
        "Η θάλασσα είναι ζεστή τον Αύγουστο.",
        "Το μουσείο ανοίγει στις 9 το πρωί.",
        "Οι επιστροφές γίνονται δεκτές για 30 ημέρες.",
    ],
    "hi": [
        "हिन्दी भारत की राजभाषा है।",
        "हिन्दू धर्म दुनिया के सबसे पुराने धर्मों में से एक है।",
        "दिल्ली भारत की राजधानी है और यहाँ बहुत भीड़ रहती है।",
        "गंगा नदी हिमालय से निकलती है।",
        "इस किताब की कीमत ₹250 है।",
        "बच्चे सुबह स्कूल जाते हैं और शाम को खेलते हैं।",
        "ताजमहल आगरा में स्थित है।",
        "मौसम विभाग ने कल बारिश की चेतावनी दी है।",
        "वापसी की अवधि ३० दिन है।",
        "क्या आप मुझे स्टेशन का रास्ता बता सकते हैं?",
    ],
    "ta": [
        "தமிழ் ஒரு பழமையான மொழி.",
        "சென்னை தமிழ்நாட்டின் தலைநகரம்.",
        "காவிரி ஆறு கர்நாடகாவில் தொடங்குகிறது.",
        "மாணவர்கள் பள்ளிக்கு நடந்து செல்கிறார்கள்.",
        "இந்த புத்தகம் மிகவும் சுவாரஸ்யமானது.",
        "திருக்குறள் திருவள்ளுவரால் எழுதப்பட்டது.",
        "மழை பெய்தால் விளையாட்டு ரத்து செய்யப்படும்.",
        "எங்கள் கடை காலை 9 மணிக்கு திறக்கும்.",
    ],
    "bn": [
        "বাংলা আমার মাতৃভাষা।",
        "ঢাকা বাংলাদেশের রাজধানী।",
        "রবীন্দ্রনাথ ঠাকুর নোবেল পুরস্কার পেয়েছিলেন।",
        "পদ্মা নদী খুব বড় এবং গভীর।",
        "আমরা প্রতিদিন সকালে চা খাই।",
        "এই বইটির দাম ৩৫০ টাকা।",
        "শিক্ষার্থীরা পরীক্ষার জন্য প্রস্তুতি নিচ্ছে।",
        "কলকাতা শহরে অনেক পুরনো ভবন আছে।",
    ],
    "tr": [
        "İstanbul Türkiye'nin en kalabalık şehridir.",
        "Işık ve ılık rüzgâr sabahları başlar.",
        "Ankara, Türkiye Cumhuriyeti'nin başkentidir.",
        "Öğrenciler sınavdan önce çok çalıştı.",
        "Çay, Türk kültürünün önemli bir parçasıdır.",
        "İade süresi teslimattan itibaren 30 gündür.",
        "Kapadokya'daki balonlar gün doğumunda uçar.",
        "Bu ürünün fiyatı 1.250 TL'dir.",
        "IĞDIR ve İZMİR büyük harflerle yazıldı.",
    ],
    "ar": [
        "القاهرة هي عاصمة مصر.",
        "يبلغ طول نهر النيل حوالي ٦٦٥٠ كيلومترًا.",
        "تُفتح المكتبة من الساعة التاسعة صباحًا.",
        "هل يمكنك مساعدتي في حمل هذه الحقيبة؟",
        "درس الطلاب اللغة العربية لمدة ثلاث سنوات.",
        "السعر ١٢٫٥ دينار للقطعة الواحدة.",
        "لا يمكن إرجاع المنتجات بعد ٣٠ يومًا.",
        "الكتابُ مفيدٌ جدًّا للطلابِ.",
    ],
    "he": [
        "ירושלים היא עיר עתיקה מאוד.",
        "הספרייה פתוחה מ-9 בבוקר עד 5 אחר הצהריים.",
        "הילדים משחקים בגן אחרי בית הספר.",
        "ים המלח הוא המקום הנמוך ביותר בעולם.",
        "אפשר להחזיר מוצרים תוך 14 ימים.",
        "שָׁלוֹם עֲלֵיכֶם וּבָרוּךְ הַבָּא.",
    ],
    "zh": [
        "北京是中国的首都。",
        "长城全长超过两万公里。",
        "我们明天上午十点在图书馆见面。",
        "这本书的价格是35元。",
        "退货期限为收货后30天。",
        "上海是中国最大的城市之一，人口超过2400万。",
        "他不喜欢吃辣的食物。",
        "熊猫主要生活在四川的山区。",
        "iPhone手机在中国很受欢迎。",
    ],
    "ja": [
        "東京は日本の首都です。",
        "富士山の高さは3776メートルです。",
        "私は毎朝コーヒーを飲みます。",
        "京都には古いお寺がたくさんあります。",
        "新幹線は東京から大阪まで約2時間半かかります。",
        "返品は商品到着後30日以内に受け付けます。",
        "スーパーマーケットは夜10時まで開いています。",
    ],
    "th": [
        "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
        "ภาษาไทยมีวรรณยุกต์ห้าเสียง",
        "แม่น้ำเจ้าพระยาไหลผ่านกรุงเทพฯ",
        "ราคาสินค้านี้คือ ๑๒๕ บาท",
        "นักเรียนไปโรงเรียนทุกวันจันทร์ถึงศุกร์",
        "อาหารไทยมีรสชาติเผ็ดและหวาน",
        "สามารถคืนสินค้าได้ภายใน 30 วัน",
        "ช้างเป็นสัตว์ประจำชาติของไทย",
    ],
    "ko": [
        "서울은 대한민국의 수도입니다.",
        "한글은 세종대왕이 만들었습니다.",
        "우리는 내일 오후 3시에 만납니다.",
        "제주도는 아름다운 섬입니다.",
        "반품은 30일 이내에 가능합니다.",
        "김치는 한국의 전통 음식입니다.",
    ],
}


def _perturb(words: list[str], donor: list[str], rng: random.Random) -> list[str]:
    """A near-copy: a word dropped, two swapped or one replaced by a word of another sentence."""
    out = list(words)
    for _ in range(rng.randint(1, 3)):
        if len(out) < 2:
            break
        kind = rng.choice(("drop", "swap", "replace"))
        i = rng.randrange(len(out))
        if kind == "drop":
            del out[i]
        elif kind == "swap":
            j = min(i + 1, len(out) - 1)
            out[i], out[j] = out[j], out[i]
        elif donor:
            out[i] = rng.choice(donor)
    return out


def _units(sentence: str, lang: str) -> tuple[list[str], str]:
    """Pieces to perturb and the glue between them (characters where no spaces are used)."""
    if lang in ("zh", "ja", "th"):
        return list(sentence), ""
    return sentence.split(), " "


def pairs(seed: int = 0) -> list[tuple[str, str, str]]:
    """(language, prediction, reference): per sentence a perturbed copy and an unrelated
    sentence of the same language, plus multi-line summaries for rougeLsum."""
    rng = random.Random(seed)
    out = []
    for lang, sentences in SENTENCES.items():
        for index, reference in enumerate(sentences):
            other = sentences[(index + 1) % len(sentences)]
            units, glue = _units(reference, lang)
            donor, _ = _units(other, lang)
            out.append((lang, glue.join(_perturb(units, donor, rng)), reference))
            out.append((lang, other, reference))
            out.append((lang, reference, reference))
        half = len(sentences) // 2
        out.append((lang, "\n".join(sentences[:half]), "\n".join(sentences[half - 1:])))
    return out
