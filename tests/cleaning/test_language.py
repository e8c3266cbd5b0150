from __future__ import annotations

import pytest

from cleaning.language import SAMPLE_CHARS, detect_language, language_sample

VI = "Sáng nay, thành phố Hà Nội đã tổ chức lễ khởi công tuyến đường sắt đô thị số 5 với tổng chiều dài gần 40 km."
EN = "The city council approved the new transit plan on Monday after months of public hearings and debate."


@pytest.mark.parametrize("text, lang", [
    (VI, "vi"), (EN, "en"),
    ("Le conseil municipal a approuvé lundi le nouveau plan de transport après des mois de débats publics.", "fr"),
    ("Der Stadtrat hat am Montag nach monatelangen öffentlichen Anhörungen den neuen Verkehrsplan beschlossen.", "de"),
    ("El ayuntamiento aprobó el lunes el nuevo plan de transporte tras meses de audiencias públicas.", "es"),
    ("Городской совет в понедельник утвердил новый транспортный план после многомесячных слушаний.", "ru"),
    ("市议会周一在经过数月的公开听证后批准了新的交通计划，预计明年春天开工。", "zh"),
    ("市議会は月曜日、数か月にわたる公聴会を経て新しい交通計画を承認した。", "ja"),
    ("Dewan kota menyetujui rencana transportasi baru pada hari Senin setelah berbulan-bulan dengar pendapat.", "id"),
    ("สภาเมืองอนุมัติแผนการขนส่งใหม่เมื่อวันจันทร์หลังจากการรับฟังความคิดเห็นของประชาชนหลายเดือน", "th"),
])
def test_labels_languages(text, lang):
    code, score = detect_language(text)
    assert code == lang and score > 0.8


@pytest.mark.parametrize("text", ["", "   ", "12345 678 90", "https://example.com/a/b?c=1 www.x.vn", "ok", "!!! ???"])
def test_undecidable_is_und(text):
    assert detect_language(text) == ("und", 0.0)


@pytest.mark.parametrize("text", [VI, EN, "Xin chào", "Hello there", VI[:30]])
def test_same_label_every_run(text):
    assert len({detect_language(text) for _ in range(5)}) == 1


def test_sample_is_bounded():
    assert len(language_sample(VI * 1000)) <= SAMPLE_CHARS
