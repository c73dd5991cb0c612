# Noisy leaky RNNs on the temporal delayed non-match-to-sample task (tDNMS).
#
#   snakemake --cores 2                          # default config (config.yaml)
#   snakemake --cores 2 --configfile config/manuscript.yaml
#   snakemake --profile profiles/slurm --configfile config/manuscript.yaml
#   snakemake --report report.html
#
# All logic lives in the tdnms package (scripts/tdnms); rules only wire files.


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/simulate.smk"
include: "rules/pca.smk"
include: "rules/fixed_points.smk"
include: "rules/figures.smk"
include: "rules/analysis.smk"
include: "rules/manuscript.smk"


rule all:
    default_target: True
    input:
        all_targets(),


onsuccess:
    warn_unconverged()


onerror:
    warn_unconverged()
