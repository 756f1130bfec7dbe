"""The recipes of docs/sql.md: each `## N. title` section holds one sh (sqlite3 shell), one python (pandas) and
one r (DBI + RSQLite) block. Shared by run_recipes.py (CI) and by whoever regenerates the Datasette metadata."""
import os, re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC = os.path.join(ROOT, "docs/sql.md")
METADATA = os.path.join(ROOT, "docs/datasette/metadata.json")
# Canned query name of each recipe, in document order.
QUERY_NAMES = ["slowest_packages", "condition_overhead", "per_test_regressions", "high_load_iterations", "run_environment"]


def recipes(text=None):
    """[(title, {"sh": code, "python": code, "r": code})] in document order."""
    text = text if text is not None else open(DOC, encoding="utf-8").read()
    out = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        title, _, body = section.partition("\n")
        if not re.match(r"\d+\. ", title):
            continue
        blocks = {lang: code for lang, code in re.findall(r"^```(\w+)\n(.*?)^```", body, flags=re.M | re.S)}
        out.append((title.split(". ", 1)[1].strip(), blocks))
    return out


def shell_sql(sh):
    """The SQL of a sqlite3 shell recipe: its last double-quoted argument."""
    return re.findall(r'"([^"]*)"', sh, flags=re.S)[-1].strip()


def shell_parameters(sh):
    """{name: value} of its `-cmd ".parameter set :name value"` options."""
    return dict(re.findall(r'\.parameter set :(\w+) (\S+?)"', sh))


def normalized(sql):
    return " ".join(sql.replace(";", " ").split())
