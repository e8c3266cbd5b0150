"""The lexicon file itself: loads, its patterns compile and follow the anchoring the code relies on."""
from __future__ import annotations

import re
import tomllib

import pytest

from cleaning.lexicon import LEXICON_PATH, fold, load_text_lexicon


def test_line_patterns_are_anchored_at_the_start():
    text = tomllib.loads(LEXICON_PATH.read_text())["text"]
    for family in ("footer", "boilerplate", "byline"):
        for pattern in text[family].get("patterns", []):
            re.compile(pattern)
            assert pattern.startswith("^"), (family, pattern)


def test_phrases_are_folded_when_loaded():
    lexicon = load_text_lexicon()
    assert fold("Đọc thêm") == "doc them" and "doc them" in lexicon.related_headings
    assert lexicon.classify("» TIN LIÊN QUAN:") == "related_heading"
    assert lexicon.classify("Phiên bản di động") == "footer"
    assert lexicon.classify("Bản quyền thuộc về Báo Người Lao Động. " + "x " * 120) == "footer"  # long line
    assert lexicon.classify("Một đoạn văn bình thường của bài báo.") is None


def test_every_caption_pattern_example_holds_a_marker():
    lexicon = load_text_lexicon()
    for line in ["Công nhân đi qua các ống dẫn dầu. Ảnh: Reuters", "Lãnh đạo dự lễ. (Nguồn: AFP)", "Ảnh minh họa",
                 "Người dân mua sắm (Ảnh minh hoạ)", "Image copyright Getty Images", "A rally in the city. Photo by AP",
                 "Image caption A rally in the city"]:
        assert lexicon.classify(line) == "caption", line


def test_source_lines_name_an_outlet_and_subheadings_starting_alike_stay_text():
    lexicon = load_text_lexicon()
    for line in ["Theo TTXVN", "(Theo Reuters)", "Theo báo Thanh Niên", "Theo Bộ Y tế", "- Theo AFP",
                 "Theo hãng tin AP", "THEO TTXVN", "According to the BBC"]:
        assert lexicon.classify(line) == "boilerplate", line
    for line in ["Theo dấu chân người lính", "Theo báo cáo mới nhất", "THEO DẤU CHÂN NGƯỜI LÍNH", "Theo",
                 "Theo ông Nguyễn Văn A, giá xăng sẽ còn tăng trong tuần tới."]:
        assert lexicon.classify(line) is None, line


# One example a language for each rule family of the languages beyond Vietnamese and English.
RELATED_HEADINGS = {
    "de": "Lesen Sie auch", "fr": "À lire aussi", "es": "Noticias relacionadas", "pt": "Leia também",
    "it": "Leggi anche", "nl": "Lees ook", "ru": "Читайте также", "pl": "Czytaj także", "ja": "関連記事",
    "zh": "相关新闻", "ko": "관련기사", "id": "Baca juga", "th": "ข่าวที่เกี่ยวข้อง", "tr": "İlgili haberler",
    "ar": "اقرأ أيضا",
}
WIDGETS = {
    "de": "Artikel teilen", "fr": "Partager", "es": "Compartir", "pt": "Compartilhar", "it": "Condividi",
    "nl": "Delen", "ru": "Поделиться", "pl": "Udostępnij", "ja": "シェア", "zh": "分享", "ko": "공유",
    "id": "Bagikan", "th": "แชร์", "tr": "Paylaş", "ar": "مشاركة",
}
FOOTERS = {
    "de": "Alle Rechte vorbehalten", "fr": "Tous droits réservés", "es": "Todos los derechos reservados",
    "pt": "Todos os direitos reservados", "it": "Tutti i diritti riservati", "nl": "Alle rechten voorbehouden",
    "ru": "Все права защищены", "pl": "Wszelkie prawa zastrzeżone", "ja": "無断転載を禁じます",
    "zh": "版权所有 © 2024 新闻网", "ko": "저작권자 © 뉴스 무단전재 및 재배포 금지", "id": "Hak cipta dilindungi",
    "th": "สงวนลิขสิทธิ์", "tr": "Tüm hakları saklıdır", "ar": "جميع الحقوق محفوظة",
}
DATES_AND_COUNTS = ["31. Mai 2012", "Montag, 3. März 2025", "12 mars 2021", "3 de mayo de 2019", "12 de março de 2020",
                    "5 maggio 2018", "12 maart 2021", "12 января 2021", "12 stycznia 2021", "12 Mart 2021",
                    "2021-03-12 10:00", "2021.03.12 10:00", "2021年3月12日 10:00", "2021년 3월 12일",
                    "Aktualisiert am 12.03.2021, 10:15 Uhr"]
CAPTIONS = ["Ein Polizist vor dem Gebäude. Foto: dpa", "Le président à Paris. Crédit : AFP", "El presidente en Madrid. Foto: EFE",
            "Der Bundestag in Berlin. Bild: Reuters", "Prezydent w Warszawie. Fot. PAP", "Президент в Москве. Фото: ТАСС",
            "記者会見する首相（写真：共同）", "총리가 발언하고 있다. 사진=연합뉴스"]
BYLINES = {"Von Max Mustermann": "Max Mustermann", "Autor: Jan Kowalski": "Jan Kowalski", "홍길동 기자": "홍길동"}


@pytest.mark.parametrize("language, line", sorted(RELATED_HEADINGS.items()))
def test_related_headings_of_major_news_languages(language, line):
    assert load_text_lexicon().classify(line) == "related_heading", language


@pytest.mark.parametrize("language, line", sorted(WIDGETS.items()))
def test_share_widgets_of_major_news_languages(language, line):
    assert load_text_lexicon().classify(line) == "boilerplate", language


@pytest.mark.parametrize("language, line", sorted(FOOTERS.items()))
def test_footers_of_major_news_languages(language, line):
    assert load_text_lexicon().classify(line) == "footer", language


@pytest.mark.parametrize("line", DATES_AND_COUNTS)
def test_dates_standing_alone_are_boilerplate(line):
    assert load_text_lexicon().classify(line) == "boilerplate"


@pytest.mark.parametrize("line", CAPTIONS)
def test_photo_credits_of_other_languages_mark_captions(line):
    assert load_text_lexicon().classify(line) == "caption"


@pytest.mark.parametrize("line, name", sorted(BYLINES.items()))
def test_bylines_of_other_languages_name_the_author(line, name):
    lexicon = load_text_lexicon()
    assert lexicon.classify(line) == "byline" and lexicon.byline_name(line) == name


@pytest.mark.parametrize("line", [
    "Von Berlin nach Rom fahren", "Por primera vez en la historia", "Lesen Sie auch, was die Kanzlerin dazu sagte.",
    "Teilen ist wichtig für die Gemeinschaft, sagte der Bürgermeister am Montag.", "Am 31. Mai 2012 begann der Bau.",
    "Das Foto zeigt den Bürgermeister bei der Eröffnung der neuen Brücke am Montag.",
    "東京都は１２日、新型コロナウイルスの感染者が新たに確認されたと発表した。", "Baca juga artikel sebelumnya tentang banjir di Jakarta yang terjadi pekan lalu.",
])
def test_sentences_starting_like_clutter_in_other_languages_stay_text(line):
    assert load_text_lexicon().classify(line) is None


@pytest.mark.parametrize("line", ["Leave a Reply", "12 Comments", "2 Gedanken zu „Folge 70: Star Trek: Picard“",
                                  "Schreibe einen Kommentar", "Laisser un commentaire", "Deja un comentario", "Reacties",
                                  "Комментарии", "Yorumlar", "コメント", "댓글", "One thought on “Garden spray”",
                                  "3 Kommentare", "12 commentaires", "5 comentarios", "7 yorum",
                                  "142 Antworten zu Würde des Lebens – ein Projekt"])
def test_comment_thread_headings(line):
    assert load_text_lexicon().classify(line) == "comments"


@pytest.mark.parametrize("line", ["Zurück Vorheriger Beitrag: Folge 69: Durch Westafrika", "Next post: Council approves plan",
                                  "Nächster Artikel", "Beitrag teilen:"])
def test_previous_and_next_article_links_and_share_lines_are_boilerplate(line):
    assert load_text_lexicon().classify(line) == "boilerplate"


@pytest.mark.parametrize("line", [
    "Diese Webseite verwendet Cookies. Indem Sie weiter die Seite besuchen, stimmen Sie der Verwendung von Cookies zu.",
    "We use cookies on our website to give you the most relevant experience by remembering your preferences and repeat "
    "visits. By clicking “Accept”, you consent to the use of ALL the cookies.",
    "Nous utilisons des cookies pour vous garantir la meilleure expérience sur notre site web.", "Notwendige Website Cookies",
    "当サイトではクッキーを使用しています。"])
def test_cookie_banners_are_boilerplate_whatever_their_length(line):
    assert load_text_lexicon().classify(line) == "boilerplate"


@pytest.mark.parametrize("line", ["Bake the cookies for 12 minutes until golden brown, then let them cool on a rack.",
                                  "Chocolate chip cookies", "Die Kekse (Cookies) schmecken am besten frisch aus dem Ofen."])
def test_cookies_in_a_recipe_stay_text(line):
    assert load_text_lexicon().classify(line) is None


@pytest.mark.parametrize("line, family", [
    ("Verwandte Links", "related_heading"), ("Über den Autor", "related_heading"), ("About the author", "related_heading"),
    ("War der Artikel nützlich?", "boilerplate"), ("VEA TAMBIÉN: Entre heces y guaricha: la educación en Panamá", "boilerplate"),
    ("IMPRESSUM | DATENSCHUTZ | COPYRIGHT ANDRÉ LOIBL", "footer"),
    ("Titelbild: Geyres Christophe/ABACA/picture-alliance", "caption")])
def test_blog_and_magazine_furniture(line, family):
    assert load_text_lexicon().classify(line) == family


@pytest.mark.parametrize("line, verdict", [
    ("» TIN LIÊN QUAN:", ("related_heading", "tin lien quan")),
    ("Phiên bản di động", ("footer", "phien ban di dong")),
    ("Theo TTXVN", ("boilerplate", "source")),
    ("Một đoạn văn bình thường của bài báo.", None),
])
def test_explain_names_the_family_and_what_matched(line, verdict):
    lexicon = load_text_lexicon()
    assert lexicon.explain(line) == verdict
    assert lexicon.classify(line) == (verdict[0] if verdict else None)


@pytest.mark.parametrize("line, heading", [
    ("Neueste Artikel für Brennstoffzellenheizung", "neueste artikel"),
    ("More from The Daily News", "more from"),
    ("Tin liên quan đến vụ cháy", "tin lien quan"),
])
def test_a_related_heading_may_open_a_longer_heading_line(line, heading):
    assert load_text_lexicon().explain(line) == ("related_heading", heading)


@pytest.mark.parametrize("line", [
    "Related articles on this topic were published yesterday.",   # a sentence
    "Latest figures show growth",                                  # a one-word heading opens nothing
    "Most read books of the year and why readers loved them so much in every country",  # too long a tail
])
def test_sentences_and_long_lines_that_start_like_a_related_heading_are_not_headings(line):
    assert load_text_lexicon().classify(line) != "related_heading"


@pytest.mark.parametrize("line, family", [
    ("Hinterlasse eine Antwort", "comments"),                                   # WordPress, de
    ("HINTERLASSEN SIE EINE ANTWORT Antwort abbrechen", "comments"),            # heading + cancel link
    ("Deja una respuesta Cancelar respuesta", "comments"),
    ("{ 38 comments… read them below or add one }", "comments"),                # a count with a tail
    ("120 Kommentare RockyRider66 dabei seit 12/2006", "comments"),
    ("Your email address will not be published. Required fields are marked *", "boilerplate"),
    ("Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert", "boilerplate"),
    ("E-Mail (wird benötigt und nicht veröffentlicht)", "boilerplate"),
    ("This entry was posted in Allgemein. Bookmark the permalink.", "boilerplate"),
    ("This site is protected by reCAPTCHA and the Google Privacy Policy and Terms of Service apply.", "boilerplate"),
    ("(Alle Angaben ohne Gewähr)", "boilerplate"),
])
def test_comment_forms_and_cms_notes_in_several_languages(line, family):
    assert load_text_lexicon().classify(line) == family


@pytest.mark.parametrize("line", [
    "3 comments were received by the ministry during the consultation.",
    "Die Antwort auf die Frage ist einfach: Wer abbrechen will, muss zahlen.",
])
def test_sentences_about_comments_and_answers_stay_text(line):
    assert load_text_lexicon().classify(line) is None


@pytest.mark.parametrize("line", [
    "Never miss the latest news by signing up to our newsletter today!",
    "GET THE BOING BOING NEWSLETTER",
    "PC Gamer Newsletter",
    "Jetzt zum Newsletter anmelden und nichts verpassen",
    "Inscrivez-vous à notre newsletter",
    "Join the developers who get new links delivered to their inbox every week.",
])
def test_newsletter_sign_ups_are_boilerplate(line):
    assert load_text_lexicon().classify(line) == "boilerplate"


@pytest.mark.parametrize("line", [
    "The company newsletter was first published in 1998 by the founder.",
    "She checked her inbox twice before the meeting started.",
])
def test_sentences_about_newsletters_and_inboxes_stay_text(line):
    assert load_text_lexicon().classify(line) is None


@pytest.mark.parametrize("line", [
    "Dieser Eintrag wurde veröffentlicht in Innovation und verschlagwortet mit Design, Innovation.",
    "Enter your email address to follow this blog and receive notifications of new posts by email.",
    "Gib deine E-Mail-Adresse ein, um diesem Blog zu folgen und per E-Mail Benachrichtigungen über neue Beiträge zu erhalten.",
    "Eingestellt von der Michel um 21:11",
    "Posted by John Smith at 10:42 PM",
    "Dieses Blog durchsuchen",
    "You must be logged in to post a comment.",
    "Dieser Artikel gefällt Ihnen?",
    "Wenn Ihnen unser Artikel gefallen hat: Unterstützen Sie diese Form des Journalismus.",
    "Lesen Sie hier: Spielabbruch in der Kreisliga",
    "Rezept drucken",
])
def test_blog_platform_furniture_is_boilerplate(line):
    assert load_text_lexicon().classify(line) == "boilerplate"


@pytest.mark.parametrize("line", [
    "Posted by the editors, the letter was read by thousands.",
    "Sie müssen sich entscheiden, ob Sie bleiben wollen.",
    "Dieser Beitrag wurde von der Redaktion gekürzt und im Mai ergänzt, weil neue Zahlen vorlagen.",
])
def test_sentences_that_start_like_blog_furniture_stay_text(line):
    assert load_text_lexicon().classify(line) is None


@pytest.mark.parametrize("line", [
    "Armanox June 28, 2015 at 10:25 pm",
    "Anna Schneider sagt: 1. November 2023 um 11:36 Uhr",
    "Reiner sagt: 01.11.2023 um 10:49",
    "Wilbert Kolhanek 1. November 2023 um 11:53 Uhr",
])
def test_a_comments_signature_line_opens_the_comments(line):
    assert load_text_lexicon().classify(line) == "comments"


@pytest.mark.parametrize("line", [
    "Plantur sagt:",                                          # a quote's attribution in the article
    "The minister says the plan will be ready by 2025.",
    "Smith says: the economy grew 2% in 2023 and will grow more",
])
def test_quotes_attributed_in_the_article_do_not_open_the_comments(line):
    assert load_text_lexicon().classify(line) != "comments"
