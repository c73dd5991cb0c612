# Noisy leaky RNNs on the temporal delayed non-match-to-sample task (tDNMS).
#
#   snakemake --cores 2                          # default config (config.yaml)
#   snakemake --cores 2 --configfile config/manuscript.yaml
#   snakemake --profile profiles/slurm --configfile config/manuscript.yaml
#   snakemake --report report.html
#
# All logic lives in the tdnms package (scripts/tdnms); rules only wire files.


import os


configfile: "config.yaml"


# The directory the run started in (``-d`` or the shell's); relative paths in the
# config that point at other runs (analysis.probes.compare_with) start here.
LAUNCH_DIR = os.getcwd()


# Where results/ goes: "." here; config/timing.yaml keeps the variant's apart.
workdir: config.get("workdir", ".")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/network.smk"
include: "rules/simulate.smk"
include: "rules/pca.smk"
include: "rules/fixed_points.smk"
include: "rules/figures.smk"
include: "rules/analysis.smk"
include: "rules/manuscript.smk"
include: "rules/probes.smk"
include: "rules/results.smk"


rule all:
    default_target: True
    input:
        all_targets(),


onsuccess:
    warn_unconverged()


onerror:
    warn_unconverged()
