"""Several stage scripts in one job (tdnms.workflow.run_stages): wiring, order, and the rules' outputs."""

import re
import sys
from types import SimpleNamespace

import pytest

from tdnms import workflow
from workflow_helpers import REPO

STAGE_A = '''
def main(smk):
    text = open(smk.input.source).read()
    open(smk.output.middle, "w").write(text + smk.params.suffix)
'''
STAGE_B = '''
def main(smk):
    open(smk.output.result, "w").write(open(smk.input.middle).read().upper() + str(smk.threads))
'''


def job(tmp_path, **params):
    (tmp_path / "source.txt").write_text("abc")
    names = lambda **kw: workflow._Names({k: str(tmp_path / v) for k, v in kw.items()})  # noqa: E731
    return SimpleNamespace(
        input=names(source="source.txt"),
        output=names(middle="middle.txt", result="other.txt", b_result="result.txt"),
        params=workflow._Names(params),
        wildcards=workflow._Names(gamma="0.5", seed="0"),
        threads=1,
        rule="combined",
    )


def test_stages_run_in_order_on_their_own_view(tmp_path, capsys):
    (tmp_path / "a.py").write_text(STAGE_A)
    (tmp_path / "b.py").write_text(STAGE_B)
    stages = {"a": ({"source": "source"}, ["middle"]), "b": ({"middle": "out:middle"}, ["result"])}
    workflow.run_stages(job(tmp_path, a={"suffix": "d"}, b={}), stages, tmp_path)
    assert (tmp_path / "middle.txt").read_text() == "abcd"
    # b's "result" is the job's "b_result", not the job's "result" (another stage's name)
    assert (tmp_path / "result.txt").read_text() == "ABCD1" and not (tmp_path / "other.txt").exists()
    log = capsys.readouterr().out
    assert re.search(r"== a: \d+\.\d\d s", log) and log.index("== a") < log.index("== b")


def test_a_stage_without_its_params_fails_naming_them(tmp_path):
    (tmp_path / "a.py").write_text(STAGE_A)
    with pytest.raises(KeyError, match="rule combined: no param 'a'"):
        workflow.run_stages(job(tmp_path), {"a": ({"source": "source"}, ["middle"])}, tmp_path)


def rule_outputs(rule: str, smk_file: str) -> list[str]:
    text = (REPO / "rules" / smk_file).read_text()
    body = text[text.index(f"rule {rule}:") :]
    block = body[body.index("    output:\n") : body.index("    log:")]
    return re.findall(r"^        (\w+)=", block, re.M)


def test_every_output_of_analyse_network_is_written_by_one_stage():
    sys.path.insert(0, str(REPO / "scripts"))
    import analyse_network

    declared = rule_outputs("analyse_network", "network.smk")
    written = []
    for stage, (_, outputs) in analyse_network.STAGES.items():
        assert (REPO / "scripts" / f"{stage}.py").is_file()
        written += [f"{stage}_{name}" if f"{stage}_{name}" in declared else name for name in outputs]
    assert sorted(written) == sorted(declared)


def test_a_combined_scripts_fingerprint_follows_its_stage_scripts(tmp_path):
    from tdnms import fingerprint

    scripts = REPO / "scripts"
    assert fingerprint.stage_scripts(scripts / "analyse_network.py") == list(__import__("analyse_network").STAGES)
    assert fingerprint.stage_scripts(scripts / "plot_network.py") == ["plot_model", "plot_analysis"]
    assert fingerprint.stage_scripts(scripts / "simulate.py") == []
    # an edit to a stage script changes the combined script's fingerprint
    for name in ("combined", "a"):
        (tmp_path / f"{name}.py").write_text((STAGE_A if name == "a" else 'STAGES = {"a": ({}, [])}\n'))
    before = fingerprint.stages_fingerprint(tmp_path / "combined.py", fingerprint.stage_scripts(tmp_path / "combined.py"))
    (tmp_path / "a.py").write_text(STAGE_A + "\nX = 1\n")
    after = fingerprint.stages_fingerprint(tmp_path / "combined.py", ["a"])
    assert before != after
