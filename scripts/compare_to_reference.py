"""Rule compare_to_reference: this run's per-network summary against manuscript.compare_to.

The job fails only when something is different; inconclusive conclusions (too few seeds to
decide) are listed in the report, which the job writes either way.
"""

from pathlib import Path

from tdnms import compare, workflow


def main(smk):
    report = compare.compare(smk.input.networks, smk.input.reference)
    text = compare.format_report(report, "this run", smk.input.reference)
    print(text, flush=True)
    Path(smk.output.report).write_text(text)
    if report.differs:
        raise SystemExit(f"this run differs from {smk.input.reference}: see {smk.output.report}")


if __name__ == "__main__":  # run by Snakemake; importable by tests
    workflow.run(main, snakemake)  # noqa: F821
