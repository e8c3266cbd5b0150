"""crawler.settings: the settings a crawl process starts from, and what loading them sets up."""
from __future__ import annotations

import os
import subprocess
import sys

from scrapy.settings import Settings

from tests.servers import REPO


def test_every_component_named_in_the_settings_loads():
    from scrapy.utils.misc import load_object

    settings = Settings()
    settings.setmodule("crawler.settings")
    paths = [p for p, order in settings.getdict("DOWNLOADER_MIDDLEWARES").items() if order is not None]
    paths += [*settings.getdict("ITEM_PIPELINES"), *settings.getdict("EXTENSIONS"), settings["DOWNLOADER"],
              settings["TWISTED_DNS_RESOLVER"]]
    assert len(paths) == 12
    for path in paths:
        assert load_object(path).__module__.startswith("crawler."), path


def test_a_crawl_process_uses_the_system_memory_pool():
    """Scrapy loads the settings module first: Arrow's pool is chosen before any component imports pyarrow."""
    code = ("from scrapy.utils.project import get_project_settings; get_project_settings()\n"
            "import crawler.extensions, crawler.pipelines, pyarrow\n"
            "print(pyarrow.default_memory_pool().backend_name)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("ARROW_DEFAULT_MEMORY_POOL", "SCRAPY_SETTINGS_MODULE")}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["system"]
