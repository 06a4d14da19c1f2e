"""The one normaliser, on strings as Korean shops and recall feeds write them."""

import pytest

from crawler import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,900원", 12900),
        ("₩12,900", 12900),
        ("KRW 12900", 12900),
        ("１２，９００원", 12900),
        ("1만2천원", 12000),
        ("3.5만원", 35000),
        (9900.0, 9900),
        ("가격문의", None),
        (None, None),
    ],
)
def test_price_krw(raw, expected):
    assert normalize.price_krw(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("만 3세 이상", (36, None)),
        ("36개월 미만", (None, 35)),
        ("36개월 미만 사용금지", (36, None)),
        ("3+", (36, None)),
        ("8~13세", (96, 167)),
        ("3세~7세", (36, 95)),
        ("14세 이상", (168, None)),
        ("13세 이하", (None, 167)),
        ("12개월 이상", (12, None)),
        ("전연령", (None, None)),
        ("", (None, None)),
    ],
)
def test_age_range_in_months(raw, expected):
    assert normalize.age_range(raw) == expected


def test_text_folds_width_case_entities_and_tags():
    assert normalize.text("ＫＣ　인증  <b>완구</b> &amp; Toy") == "kc 인증 완구 & toy"


def test_key_ignores_hangul_spacing_and_punctuation():
    assert normalize.key("어린이 용 네오디뮴 자석!") == normalize.key("어린이용네오디뮴자석")
    assert normalize.key("Water-Beads") == normalize.key("water beads")


def test_tokens_split_hangul_latin_and_cjk():
    expected = ["어린이용", "水", "宝", "宝", "water", "beads", "100g"]
    assert normalize.tokens("어린이용 水宝宝 Water-Beads 100g") == expected


def test_spelling_folds_loanword_variants_and_english_words():
    assert normalize.spelling("원목 BLOCK 블럭 장난감") == "원목 블록 블록 완구"
    assert normalize.spelling("케릭터 악세사리 Set") == "캐릭터 액세서리 세트"
    # Only whole English words are mapped; other Latin text is left as text() gives it.
    assert normalize.spelling("blockbuster Toy-Story") == "blockbuster 완구-story"


def test_spelling_key_ignores_spacing_case_width_and_spelling():
    assert normalize.spelling_key("원목 블럭 놀이 세트") == normalize.spelling_key("원목블록놀이set")
    assert normalize.spelling_key("ＫＩＤＳ 쥬얼리") == normalize.spelling_key("키즈주얼리")
    assert normalize.spelling_key(None) == normalize.spelling_key("") == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8809474031426", "08809474031426"),
        ("880-9474-031426", "08809474031426"),
        ("8809474031427", None),  # wrong check digit
        ("8809****25***", None),  # masked in the recall feed
        ("8809070000000 ", None),  # company prefix written where the item code belongs
        ("-", None),
        ("없음", None),
        (None, None),
    ],
)
def test_gtin(raw, expected):
    assert normalize.gtin(raw) == expected


def test_gtins_finds_glued_and_listed_codes():
    assert normalize.gtins("8809474031426(단품)8809474031433(포장상자)") == ["08809474031426", "08809474031433"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CB063R10760-6013", "CB063R10760-6013"),
        ("b364r970-2001 외", "B364R970-2001"),
        ("KC 인증번호: CA011R021-4001", "CA011R021-4001"),
        ("(온라인)CB113R1234-1001", "CB113R1234-1001"),
        ("HU07123-12001", "HU07123-12001"),
        ("공급자적합성", None),
        ("공급자적합셩", None),
        ("해당없음", None),
        ("-<br>(인증모델: -)", None),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_kc_cert(raw, expected):
    assert normalize.kc_cert(raw) == expected


def test_model_key_ignores_labels_case_hyphens_and_width():
    assert normalize.model_key("(품번) AB-123 x") == normalize.model_key("ａｂ１２３Ｘ") == "AB123X"
    assert normalize.model_key("-") is None


def test_split_list_drops_placeholders_and_html():
    assert normalize.split_list("AB-1, AB-2<br>-/AB-3") == ["AB-1", "AB-2", "AB-3"]
