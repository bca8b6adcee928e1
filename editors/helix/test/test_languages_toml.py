"""Static checks of editors/helix/languages.toml (Helix itself is in no package registry).

Run: python3 -m unittest discover -s editors/helix/test -v
"""

import pathlib
import tomllib
import unittest

HELIX = pathlib.Path(__file__).resolve().parent.parent
CONFIG = HELIX / "languages.toml"

# Language ids the djsec server accepts (the server contract); Helix calls templates `htmldjango`.
SERVER_LANGUAGES = {"python", "htmldjango", "django-html", "html-django", "django", "jinja", "html"}
# Servers Helix defines itself for these languages, that a replaced list must keep naming.
HELIX_DEFAULTS = {
    "python": {"ty", "ruff"},
    "htmldjango": {"vscode-html-language-server"},
}
# Keys Helix knows in a [language-server.*] table (book/src/languages.md).
SERVER_KEYS = {"command", "args", "config", "environment", "timeout", "required-root-patterns"}


def server_names(language):
    names = []
    for item in language.get("language-servers", []):
        names.append(item if isinstance(item, str) else item["name"])
    return names


class LanguagesToml(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with CONFIG.open("rb") as f:
            cls.config = tomllib.load(f)
        cls.servers = cls.config.get("language-server", {})
        cls.languages = {lang["name"]: lang for lang in cls.config.get("language", [])}

    def test_djsec_server_runs_djsec_server(self):
        djsec = self.servers["djsec"]
        self.assertEqual(djsec["command"], "djsec")
        self.assertEqual(djsec["args"], ["server"])
        self.assertLessEqual(set(djsec), SERVER_KEYS)

    def test_config_is_the_settings_shape(self):
        settings = self.servers["djsec"]["config"]["settings"]
        self.assertLessEqual(set(settings), {"enable", "select", "ignore", "severity", "trace"})
        self.assertIs(settings["enable"], True)

    def test_every_djsec_entry_is_the_same_command(self):
        defined = {n for n, s in self.servers.items() if s.get("command") == "djsec"}
        self.assertEqual(defined, {"djsec"})
        for lang in self.languages.values():
            for name in server_names(lang):
                if name in self.servers:
                    self.assertEqual(self.servers[name]["command"], "djsec", name)
                    self.assertEqual(self.servers[name]["args"], ["server"], name)

    def test_djsec_only_on_languages_the_server_accepts(self):
        using = [n for n, lang in self.languages.items() if "djsec" in server_names(lang)]
        self.assertEqual(sorted(using), ["htmldjango", "python"])
        self.assertLessEqual(set(using), SERVER_LANGUAGES)

    def test_replaced_lists_keep_helix_defaults(self):
        for name, defaults in HELIX_DEFAULTS.items():
            self.assertLessEqual(defaults, set(server_names(self.languages[name])), name)

    def test_undefined_servers_are_helix_builtins(self):
        for lang in self.languages.values():
            for name in server_names(lang):
                if name not in self.servers:
                    self.assertIn(name, HELIX_DEFAULTS.get(lang["name"], set()), name)

    def test_order_leaves_hover_to_the_python_servers(self):
        # The first server offering hover or go-to answers it: ty for Python, djsec for templates.
        self.assertEqual(server_names(self.languages["python"])[-1], "djsec")
        self.assertEqual(server_names(self.languages["htmldjango"])[0], "djsec")

    def test_templates_glob_and_root(self):
        tpl = self.languages["htmldjango"]
        self.assertIn({"glob": "templates/**/*.html"}, tpl["file-types"])
        self.assertIn("manage.py", tpl["roots"])


if __name__ == "__main__":
    unittest.main()
