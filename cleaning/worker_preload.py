"""Imported once by the forkserver that ``cleaning.limits.HtmlPool`` forks its workers from:
everything a worker needs is loaded here, so that every worker shares it."""
from cleaning.dedup import signature  # noqa: F401  (numpy)
from cleaning.html import load_html_lexicon, process_html  # noqa: F401  (lxml, trafilatura)
from cleaning.language import detect_language
from cleaning.lexicon import load_text_lexicon

load_html_lexicon()
load_text_lexicon()
detect_language("Khởi động bộ nhận diện ngôn ngữ một lần cho mọi tiến trình con.")  # loads langdetect's profiles
