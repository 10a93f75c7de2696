"""vae-beta: the weight of the KL term trades reconstruction for a simpler code.

Higgins et al. 2017 (beta-VAE): weighting the KL term by beta > 1 pushes the
posterior towards the prior (a smaller KL) at the price of reconstruction;
beta < 1 the other way. The ELBO itself (beta = 1) is what beta = 1
optimises, so it should end best there. Three runs of mnist-vae.
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare, number


def check(results) -> Verdict:
    evidence = []
    low, one, high = results["beta-0.5"], results["beta-1"], results["beta-4"]
    kl = (compare(high, "<", one, "val_kl", evidence=evidence)
          and compare(one, "<", low, "val_kl", evidence=evidence))
    reconstruction = compare(high, ">", low, "val_reconstruction", evidence=evidence)
    elbo = (compare(one, "<", low, "val_neg_elbo", evidence=evidence)
            and compare(one, "<", high, "val_neg_elbo", evidence=evidence))
    return Verdict(kl and reconstruction and elbo, evidence)


register_study(Study(
    name="vae-beta",
    lesson="variational autoencoders: the ELBO's two terms",
    claim="A larger beta ends with a smaller KL term and a larger reconstruction error on "
          "held-out digits; the negative ELBO is lowest at beta = 1.",
    source="Kingma & Welling 2014, Auto-Encoding Variational Bayes; Higgins et al. 2017, "
           "beta-VAE",
    data="MNIST (an image folder with one sub-folder per digit, or tfds:mnist)",
    runs=(
        StudyRun("beta-0.5", "mnist-vae", overrides={"model.beta": 0.5}),
        StudyRun("beta-1", "mnist-vae", overrides={"model.beta": 1.0}),
        StudyRun("beta-4", "mnist-vae", overrides={"model.beta": 4.0}),
    ),
    budgets={"cpu": {"train.epochs": 10}, "gpu": {"train.epochs": 100}},
    measured={"cpu": "16 min at load 3, holds (2-core EPYC, 2026-12-07)"},
    metrics=("neg_elbo", "kl"),
    columns=(("final val_neg_elbo", lambda r: number(r, "val_neg_elbo", digits=2)),
             ("final val_reconstruction", lambda r: number(r, "val_reconstruction", digits=2)),
             ("final val_kl", lambda r: number(r, "val_kl", digits=2))),
    check=check,
))
