"""newsclean's command line; the library is ``cleaning`` and the Scrapy project is ``crawler``."""
