"""The documentation holds together: links, named sections and quoted commands resolve.

* every relative Markdown link in README.md, docs/*.md, bench/README.md, reference/README.md and
  tests/cluster/README.md names an existing file and, with a ``#anchor``, an existing heading of
  it (GitHub's anchors: lowercase, spaces to '-', punctuation dropped, '-1', '-2' for repeats);
* every section named in code, config or documentation text as ``docs/<file>.md, "<Heading>"``
  (or ``README, "<Heading>"``, ``bench/README.md, "<Heading>"``) is a heading of that file: the
  same words, or its first words up to a '(', ',' or ':' ("Training recipe" names "Training
  recipe (and why it differs from the reference notebook)");
* every command in the ``bash`` blocks of README.md and docs/*.md (and each `./run ...`,
  `snakemake ...`, `python -m ...` or Snakemake option span such as `--until train` in their
  text) names repository files that exist,
  importable ``python -m`` modules, existing ``--configfile`` files and ``--profile`` folders,
  and Snakemake rules (``--until R``, targets, ``--set-resources R:...``) that rules/*.smk or the
  Snakefile define; outputs under results/ are not checked;
* the rule names in README.md's flowchart are rules, and README.md keeps the quick start.

Fast and offline: it only reads files (the checkers are tested on planted bad input below).
"""

import importlib.util
import re
import shlex
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from workflow_helpers import rule_bodies

REPO = Path(__file__).resolve().parents[1]
MAX_README_LINES = 150
QUICK_START = (
    "./run snakemake --cores 2      # the main job: default config, all results and figures in results/",
    "./run pytest                   # the tests",
)
FAST_LOOP = './run pytest -m "not slow"     # fast loop: unit and planted-truth tests, no workflow runs'


def documents(repo: Path) -> list[Path]:
    """README.md and docs/*.md: the documents whose commands are checked."""
    return [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]


def linking_documents(repo: Path) -> list[Path]:
    """Every Markdown file whose links are checked."""
    others = ["bench/README.md", "reference/README.md", "tests/cluster/README.md"]
    return documents(repo) + [repo / name for name in others if (repo / name).exists()]


# Where sections are named in text. bench/README.md is left out: it is edited elsewhere, and its
# two mentions of the README's "Cost of the manuscript sweep" now live in docs/results.md.
SECTION_SOURCES = (
    "Snakefile",
    "config.yaml",
    "README.md",
    ".ci/run",
    "scripts/**/*.py",
    "scripts/**/*.yaml",
    "rules/*.smk",
    "config/*.yaml",
    "profiles/*/*.yaml",
    "report/*.rst",
    "notebooks/*.ipynb",
    "tests/**/*.py",
    "tests/**/*.md",
    "bench/*.py",
    "docs/*.md",
    "reference/README.md",
)


# ------------------------------------------------------------------ Markdown
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"`([^`]*)`")
_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.M)


def split_markdown(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The prose of a Markdown text (fenced lines blanked) and its fenced blocks (language, code)."""
    prose, blocks, fence = [], [], None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = (match.group(1), match.group(2).lower(), [])
        elif fence is not None and line.strip().startswith(fence[0]) and not line.strip(" `~"):
            blocks.append((fence[1], "\n".join(fence[2])))
            fence = None
        elif fence is not None:
            fence[2].append(line)
        else:
            prose.append(line)
            continue
        prose.append("")
    return "\n".join(prose), blocks


def heading_texts(text: str) -> list[str]:
    """Headings of a Markdown text (outside code blocks), as written."""
    prose, _ = split_markdown(text)
    return [m.group(2) for line in prose.splitlines() if (m := _HEADING.match(line))]


def plain(heading: str) -> str:
    """A heading without Markdown: link targets, code and emphasis marks dropped."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[`*]", "", text)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading (before numbering repeats)."""
    text = plain(heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor of a Markdown text, repeats numbered as GitHub does."""
    seen: dict[str, int] = {}
    result = set()
    for heading in heading_texts(text):
        base = anchor(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def link_targets(text: str) -> list[str]:
    """Targets of the inline and reference-style links in a Markdown text's prose."""
    prose, _ = split_markdown(text)
    prose = _CODE_SPAN.sub(lambda m: "code", prose)
    return [m.group(2) for m in _LINK.finditer(prose)] + _REFERENCE_LINK.findall(prose)


def link_problems(document: Path, repo: Path) -> list[str]:
    """Relative links of ``document`` that name no file, or no heading of the file."""
    problems = []
    name = document.relative_to(repo)
    for target in link_targets(document.read_text()):
        if re.match(r"^[a-zA-Z][\w+.-]*:", target) or not target:
            continue  # http:, https:, mailto: ...
        path_part, _, fragment = target.partition("#")
        path = (document.parent / unquote(path_part)).resolve() if path_part else document
        if not path.exists():
            problems.append(f"{name}: link {target!r}: no file {path_part!r}")
        elif fragment and (path.is_dir() or path.suffix != ".md"):
            problems.append(f"{name}: link {target!r}: an anchor into a file without headings")
        elif fragment and unquote(fragment) not in anchors(path.read_text()):
            problems.append(f"{name}: link {target!r}: no heading #{fragment} in {path_part or name}")
    return problems


# ---------------------------------------------------------- named sections
_SECTION_REFERENCE = re.compile(
    r"`?((?<![\w/.-])docs/[\w.-]+\.md|(?<![\w.-])[\w./-]*README(?:\.md)?)`?"
    r"\s*,?\s*\(?\"(\w[^\"]{0,150})\""
)


def joined(text: str) -> str:
    """Text with line breaks (and the comment marks that start continued lines) as spaces."""
    return re.sub(r"[ \t]*\n[ \t]*(?:(?:#+|//)[ \t]*)?", " ", text)


def section_references(text: str) -> list[tuple[str, str]]:
    """(file, section) for each ``<file>, "<Section>"`` in a text (file: a README or docs/*.md)."""
    return [(m.group(1), m.group(2)) for m in _SECTION_REFERENCE.finditer(joined(text))]


def names_heading(section: str, headings: list[str]) -> bool:
    """Whether ``section`` is one of ``headings`` or their first words up to '(', ',' or ':'."""
    wanted = " ".join(section.split()).casefold()
    for heading in headings:
        text = " ".join(plain(heading).split()).casefold()
        if text == wanted or re.match(re.escape(wanted) + r"\s*[(,:]", text):
            return True
    return False


def section_problems(source: Path, repo: Path) -> list[str]:
    """Sections named in ``source`` that are not headings of the file named."""
    problems = []
    for file, section in section_references(source.read_text()):
        target = repo / ("README.md" if file in ("README", "README.md") else file)
        where = f"{source.relative_to(repo)}: {file}, {section!r}"
        if not target.is_file():
            problems.append(f"{where}: no file {file}")
        elif not names_heading(section, heading_texts(target.read_text())):
            problems.append(f"{where}: no such heading in {file}")
    return problems


# ---------------------------------------------------------------- commands
_REPO_PATH = re.compile(
    r"^(?:(?:config|reference|bench|scripts|tests|profiles|notebooks|envs|schemas|report|rules"
    r"|docs|\.ci)/\S*|config\.yaml|Snakefile|requirements\.(?:txt|in)|pyproject\.toml|README\.md)$"
)
_COMMAND_SPAN = re.compile(r"^(?:\./run |snakemake |python3? -m )")
# Snakemake options quoted alone in the text ("`--until train`"), checked as Snakemake arguments.
_OPTION_SPAN = re.compile(r"^(?:--configfile|--profile|--until|--omit-from|--set-resources)[ =]")
# Snakemake options that take a value (the next word); rule-valued ones are checked as rules.
_SNAKEMAKE_VALUES = {
    "--configfile", "--configfiles", "--profile", "--report", "--config", "-d", "--directory",
    "--until", "-U", "--omit-from", "-O", "--allowed-rules", "--set-resources", "--set-threads",
    "--target-jobs", "--latency-wait", "--restart-times", "--default-resources", "--executor", "-e",
}  # fmt: skip
_RULE_OPTIONS = {"--until", "-U", "--omit-from", "-O", "--allowed-rules"}
_MULTI_VALUE = {"--configfile", "--configfiles", "--config", "--until", "-U", "--omit-from", "-O",
                "--allowed-rules", "--set-resources", "--set-threads"}  # fmt: skip
_CORES = {"--cores", "-c", "--jobs", "-j"}


def rule_names(repo: Path) -> set[str]:
    """Names of the rules (and checkpoints) in rules/*.smk and the Snakefile."""
    return set(rule_bodies(repo, snakefile=True))


def commands(text: str) -> list[str]:
    """Commands quoted in a Markdown text: each line of its bash/sh blocks, and command spans."""
    prose, blocks = split_markdown(text)
    found = []
    for language, code in blocks:
        if language in ("bash", "sh", "shell"):
            code = re.sub(r"\\\n", " ", code)
            found += [line.strip() for line in code.splitlines() if line.strip()]
    spans = [" ".join(span.split()) for span in _CODE_SPAN.findall(prose)]
    found += [span for span in spans if _COMMAND_SPAN.match(span)]
    return found + [f"snakemake {span}" for span in spans if _OPTION_SPAN.match(span)]


def simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command of a line (split at ;, &&, ||, |), comments dropped."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    result: list[list[str]] = [[]]
    for word in lexer:
        if word and not word.strip(";&|"):
            result.append([])
        else:
            result[-1].append(word)
    return [words for words in result if words]


def module_problem(module: str) -> str | None:
    """Why ``python -m module`` would not start, or None."""
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as error:
        return f"module {module} is not importable ({error})"
    return None if found else f"no module {module}"


def path_problem(word: str, repo: Path) -> str | None:
    """Why a word that looks like a repository file names none, or None."""
    if not _REPO_PATH.match(word):
        return None
    if any(char in word for char in "*?["):
        return None if list(repo.glob(word)) else f"nothing matches {word}"
    return None if (repo / word).exists() else f"no file {word}"


def snakemake_problems(words: list[str], repo: Path, rules: set[str]) -> list[str]:
    """Config files, profiles, rules and repository files a Snakemake command line lacks.

    Options that take several values (``--configfile``, ``--until`` ...) take every word up to
    the next option, as Snakemake's own parser does.
    """
    problems, option, taken, index = [], None, 0, 0
    while index < len(words):
        word = words[index]
        index += 1
        if word.startswith("-"):
            name, equals, value = word.partition("=")
            if name in _CORES:
                if not equals and index < len(words) and re.fullmatch(r"\d+|all", words[index]):
                    index += 1
                option = None
                continue
            option, taken = (name if name in _SNAKEMAKE_VALUES else None), 0
            if equals and option:
                problems += _snakemake_word(option, value, repo, rules)
                taken = 1
            continue
        if option is not None and (taken == 0 or option in _MULTI_VALUE):
            taken += 1
        else:
            option = None
        problems += _snakemake_word(option, word, repo, rules)
    return problems


def _snakemake_word(option: str | None, word: str, repo: Path, rules: set[str]) -> list[str]:
    """What one word of a Snakemake command line (the value of ``option``, or a target) lacks."""
    if word == "...":
        return []
    if option in ("--configfile", "--configfiles"):
        return [] if (repo / word).is_file() else [f"no config file {word}"]
    if option == "--profile":
        return [] if (repo / word).is_dir() else [f"no profile folder {word}"]
    if option in _RULE_OPTIONS or option in ("--set-resources", "--set-threads"):
        rule = word.split(":")[0]
        return [] if rule in rules else [f"no rule {rule} ({option} {word})"]
    if option is None and re.fullmatch(r"[A-Za-z_]\w*", word):
        return [] if word in rules else [f"no rule {word} (a target)"]
    problem = path_problem(word, repo)
    return [problem] if problem else []


def command_problems(command: str, repo: Path, rules: set[str]) -> list[str]:
    """What a quoted command names that does not exist (results/ outputs not checked)."""
    problems = []
    for words in simple_commands(command):
        if words[0] == "export":
            continue
        while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            words = words[1:]  # VAR=value before the command
        if words and words[0] == "./run":
            words = words[1:]
        if not words:
            continue
        if Path(words[0]).name == "snakemake":
            problems += snakemake_problems(words[1:], repo, rules)
            continue
        for word in words:
            problem = path_problem(word.partition("=")[2] if word.startswith("--") else word, repo)
            problems += [problem] if problem else []
        if Path(words[0]).name.startswith("python") and len(words) > 2 and words[1] == "-m":
            problem = module_problem(words[2])
            problems += [problem] if problem else []
    return [f"{command!r}: {problem}" for problem in problems]


def flowchart_problems(text: str, rules: set[str]) -> list[str]:
    """Flowchart nodes whose first label line names something other than rules (or a command)."""
    problems = []
    for language, code in split_markdown(text)[1]:
        if language != "mermaid":
            continue
        for label in re.findall(r"\w+\[\"([^\"]*)\"\]", code):
            lines = label.split("<br/>")
            first = lines.pop(0).strip()
            while first.endswith(",") and lines:  # a list of rules over several lines
                first += " " + lines.pop(0).strip()
            if first.startswith(("snakemake ", "./run ")):
                continue
            missing = [name for name in re.split(r",\s*", first) if name not in rules]
            problems += [f"flowchart node {first!r}: no rule {name}" for name in missing]
    return problems


def quick_start_problems(text: str) -> list[str]:
    """What README.md lacks of its quick start, and whether it is short."""
    problems = []
    blocks = [code for language, code in split_markdown(text)[1] if language == "bash"]
    if not any(all(line in code.splitlines() for line in QUICK_START) for code in blocks):
        problems.append("no bash block with the two quick-start commands: " + " / ".join(QUICK_START))
    if not any(FAST_LOOP in code.splitlines() for code in blocks):
        problems.append(f"no fast-loop command {FAST_LOOP!r}")
    if "./run CMD" not in text or "pip install -r requirements.txt" not in text:
        problems.append("no sentence on `./run CMD` and the pip install without it")
    lines = len(text.splitlines())
    if lines > MAX_README_LINES:
        problems.append(f"{lines} lines, more than {MAX_README_LINES}")
    return problems


# ------------------------------------------------------------ the real docs
@pytest.fixture(scope="module")
def rules() -> set[str]:
    return rule_names(REPO)


def section_sources(repo: Path) -> list[Path]:
    files = {path for pattern in SECTION_SOURCES for path in repo.glob(pattern) if path.is_file()}
    return sorted(files - {Path(__file__).resolve()})


def test_links_resolve():
    assert [p for doc in linking_documents(REPO) for p in link_problems(doc, REPO)] == []


def test_named_sections_exist():
    sources = section_sources(REPO)
    assert REPO / "scripts" / "tdnms" / "exact.py" in sources and REPO / "config.yaml" in sources
    assert len([ref for source in sources for ref in section_references(source.read_text())]) > 10
    assert [p for source in sources for p in section_problems(source, REPO)] == []


def test_quoted_commands_resolve(rules):
    quoted = [command for doc in documents(REPO) for command in commands(doc.read_text())]
    assert len(quoted) > 20  # the blocks were found
    assert [p for command in quoted for p in command_problems(command, REPO, rules)] == []


def test_readme_quick_start_and_flowchart(rules):
    text = (REPO / "README.md").read_text()
    assert quick_start_problems(text) == []
    assert "```mermaid" in text
    assert flowchart_problems(text, rules) == []


# ------------------------------------------------ the checkers, on planted input
@pytest.fixture
def planted(tmp_path):
    """A small repository: docs with good and bad links, a config, a profile and a rule."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "profiles" / "local").mkdir(parents=True)
    (tmp_path / "rules").mkdir()
    (tmp_path / "config" / "real.yaml").write_text("sweep: {}\n")
    (tmp_path / "Snakefile").write_text("rule all:\n    input: []\n")
    (tmp_path / "rules" / "train.smk").write_text("rule train:\n    output: 'x'\n")
    (tmp_path / "docs" / "guide.md").write_text(
        "# Guide\n\n## Training recipe (and why)\n\n## Same network on any machine\n\n"
        "```bash\n# Not a heading\n```\n"
    )
    return tmp_path


def test_anchors_follow_github():
    assert anchor("Outputs (`results/`, git-ignored)") == "outputs-results-git-ignored"
    assert anchor("The manuscript's results table (8 gammas x 10 seeds)") == (
        "the-manuscripts-results-table-8-gammas-x-10-seeds"
    )
    assert anchor("What the seeds say, and checking a run against another") == (
        "what-the-seeds-say-and-checking-a-run-against-another"
    )
    assert anchors("# A\n\n## A\n\n```\n# B\n```\n") == {"a", "a-1"}


def test_link_checker_finds_planted_breaks(planted):
    doc = planted / "README.md"
    doc.write_text(
        "[ok](docs/guide.md#same-network-on-any-machine) [ok](docs/guide.md) [web](https://x.org)\n"
        "[gone](docs/missing.md) [bad anchor](docs/guide.md#not-a-heading)\n"
        "[bad anchor 2](docs/guide.md#not-a-heading-either) is `[code](docs/nowhere.md)`\n"
        "[code-only heading](docs/guide.md#not-a-heading)\n"
    )
    problems = link_problems(doc, planted)
    assert len(problems) == 4, problems
    assert "docs/missing.md" in problems[0]
    assert all("#not-a-heading" in p for p in problems[1:])


def test_section_checker_finds_planted_names(planted):
    source = planted / "code.py"
    source.write_text(
        '# ok (docs/guide.md, "Training recipe"); ok (docs/guide.md,\n'
        '#   "Same network on any machine")\n'
        '"""Wrong: (docs/guide.md, "Training"), (docs/guide.md, "No such section"),\n'
        '(docs/gone.md, "Training recipe") and README "Training recipe"."""\n'
    )
    (planted / "README.md").write_text("# Project\n\n## Quick start\n")
    problems = section_problems(source, planted)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "docs/guide.md, 'Training': no such heading in docs/guide.md",
        "docs/guide.md, 'No such section': no such heading in docs/guide.md",
        "docs/gone.md, 'Training recipe': no file docs/gone.md",
        "README, 'Training recipe': no such heading in README",
    ]


def test_command_checker_finds_planted_breaks(planted):
    rules = rule_names(planted)
    assert rules == {"all", "train"}
    good = [
        "./run snakemake --cores 2 --configfile config/real.yaml   # a comment: config/nothere.yaml",
        "./run snakemake all results/models/x.keras --profile profiles/local --until train",
        "TDNMS_SLURM=1 ./run snakemake --cores --set-resources train:runtime=240 && ls config/*.yaml",
        "./run python -m tdnms.compare results reference_run/results",
        "export TDNMS_SLURM_PARTITION=<partition>",
    ]
    assert [p for command in good for p in command_problems(command, planted, rules)] == []
    bad = {
        "./run snakemake --cores 2 --configfile config/missing.yaml": "no config file config/missing.yaml",
        "./run snakemake --configfile=config/missing.yaml": "no config file config/missing.yaml",
        "./run snakemake --profile profiles/cluster": "no profile folder profiles/cluster",
        "./run snakemake --cores 2 --until trian": "no rule trian",
        "./run snakemake --cores 2 analyse": "no rule analyse",
        "./run python -m tdnms.no_such_module": "no module tdnms.no_such_module",
        "./run python -m no_such_package.module": "not importable",
        "./run python bench/missing.py --seeds 0": "no file bench/missing.py",
        "./run jupyter lab notebooks/*.ipynb": "nothing matches notebooks/*.ipynb",
    }
    for command, expected in bad.items():
        problems = command_problems(command, planted, rules)
        assert len(problems) == 1 and expected in problems[0], (command, problems)


def test_commands_are_read_from_blocks_and_spans():
    text = (
        "Run `./run snakemake --cores 2` or `keras.layers.RNN`, `--until train`.\n\n"
        "```bash\n./run python bench/x.py \\\n    --model results/m.keras   # a comment\n\n```\n"
        "```python\nimport os\n```\n"
    )
    assert commands(text) == [
        "./run python bench/x.py      --model results/m.keras   # a comment",
        "./run snakemake --cores 2",
        "snakemake --until train",
    ]
    assert simple_commands("a b && c | d; e  # f") == [["a", "b"], ["c"], ["d"], ["e"]]


def test_flowchart_and_quick_start_checkers_find_planted_breaks():
    rules = {"train", "results"}
    chart = (
        '```mermaid\nflowchart LR\n  a["train<br/>x"] --> b["results,<br/>trian<br/>x, y"]\n'
        '  b --> c["snakemake --report"]\n```\n'
    )
    assert flowchart_problems(chart, rules) == ["flowchart node 'results, trian': no rule trian"]
    good = "```bash\n" + "\n".join(QUICK_START) + "\n" + FAST_LOOP + "\n```\n"
    good += "`./run CMD` ... `pip install -r requirements.txt`\n"
    assert quick_start_problems(good) == []
    assert len(quick_start_problems(good.replace("./run pytest  ", "./run pytst  "))) == 1
    assert len(quick_start_problems(good + "\n" * MAX_README_LINES)) == 1
