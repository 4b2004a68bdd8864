# Reference values for tests/test_clm.py: cumulative link models fitted by
# MASS::polr (and, as a cross-check, ordinal::clm) with sandwich::vcovCL
# clustered standard errors.
#
# Regenerate (from the repository root):
#   python tests/reference/make_clm_data.py
#   Rscript tests/reference/clm.R > tests/reference/clm_values.json
#
# Produced with: R version 4.2.2 Patched (2022-11-10 r83330), MASS 7.3-58.2,
# sandwich 3.0.2, ordinal 2022.11.16, jsonlite (Debian packages r-base-core,
# r-cran-mass, r-cran-sandwich, r-cran-ordinal, r-cran-jsonlite).  The JSON
# records the versions it was produced with.
#
# Data: clm_data.csv (the bundled sample's baseline long design, see
# make_clm_data.py).  Factors: circle (relatives = baseline, friends,
# villagers), service (daily_care = baseline, emotional_support, chores),
# sex and lives_alone (0 = baseline); age and n_migrated numeric; y ordered 1..5.
#
# Models (the same formula for polr and clm; parametrisation
# logit P(Y <= j) = zeta_j - x'beta):
#   logit_main:      y ~ circle + service + age + sex + lives_alone, method = "logistic"
#   probit_main:     the same, method = "probit"
#   logit_interact:  y ~ circle + service + age + sex + lives_alone + circle:lives_alone
#   logit_numeric:   y ~ circle + service + n_migrated + circle:n_migrated
#
# For each model:
#   fit <- polr(f, data = d, method = ..., Hess = TRUE,
#               control = list(reltol = 1e-14, maxit = 10000, ndeps = rep(1e-6, k)))
#       (k = number of parameters; optim's finite-difference Hessian, which
#       vcov.polr and sandwich's bread use, has step ndeps = 1e-3 by default:
#       too coarse for the age coefficient, off by ~6e-4 relative)
#   coef(fit), fit$zeta, logLik(fit)
#   vcov(fit)                                                  "vcov_model"
#   vcovCL(fit, cluster = ~village, type = "HC1")              "vcov_village_hc1"
#       = G/(G-1) * (N-1)/(N-k) * bread %*% meat %*% bread / N, k = #beta + #zeta
#   vcovCL(fit, cluster = ~resp_id, type = "HC1")              "vcov_respondent_hc1"
#   vcovCL(fit, cluster = ~village)   (default for polr: HC0, G/(G-1) only)  "se_village_hc0"
#   clm(f, data = d, link = ...): coefficients, logLik, vcovCL(~village, type = "HC1")
# Matrices are in R's order: beta (model.matrix order) then zeta.

suppressPackageStartupMessages({
  library(MASS)
  library(sandwich)
  library(ordinal)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "."
d <- read.csv(file.path(here, "clm_data.csv"), stringsAsFactors = FALSE)
d$y <- factor(d$y, levels = 1:5, ordered = TRUE)
d$circle <- factor(d$circle, levels = c("relatives", "friends", "villagers"))
d$service <- factor(d$service, levels = c("daily_care", "emotional_support", "chores"))
d$sex <- factor(d$sex, levels = c(0, 1))
d$lives_alone <- factor(d$lives_alone, levels = c(0, 1))

models <- list(
  logit_main = list(f = y ~ circle + service + age + sex + lives_alone, link = "logit"),
  probit_main = list(f = y ~ circle + service + age + sex + lives_alone, link = "probit"),
  logit_interact = list(
    f = y ~ circle + service + age + sex + lives_alone + circle:lives_alone, link = "logit"),
  logit_numeric = list(f = y ~ circle + service + n_migrated + circle:n_migrated, link = "logit")
)

mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ])))

out <- list(
  r_version = R.version.string,
  MASS_version = as.character(packageVersion("MASS")),
  sandwich_version = as.character(packageVersion("sandwich")),
  ordinal_version = as.character(packageVersion("ordinal")),
  data = "clm_data.csv",
  n = nrow(d),
  n_villages = length(unique(d$village)),
  n_respondents = length(unique(d$resp_id))
)
for (name in names(models)) {
  m <- models[[name]]
  method <- if (m$link == "logit") "logistic" else "probit"
  k <- ncol(model.matrix(m$f, d)) - 1 + nlevels(d$y) - 1
  fit <- polr(m$f, data = d, method = method, Hess = TRUE,
              control = list(reltol = 1e-14, maxit = 10000, ndeps = rep(1e-6, k)))
  v_cl <- vcovCL(fit, cluster = ~village, type = "HC1")
  v_resp <- vcovCL(fit, cluster = ~resp_id, type = "HC1")
  v_hc0 <- vcovCL(fit, cluster = ~village)
  cfit <- clm(m$f, data = d, link = m$link)
  c_cl <- vcovCL(cfit, cluster = ~village, type = "HC1")
  out[[name]] <- list(
    formula = paste(deparse(m$f), collapse = " "),
    link = m$link,
    terms = names(coef(fit)),
    thresholds = names(fit$zeta),
    coef = unname(coef(fit)),
    zeta = unname(fit$zeta),
    logLik = as.numeric(logLik(fit)),
    convergence = fit$convergence,
    vcov_model = mat(vcov(fit)),
    vcov_village_hc1 = mat(v_cl),
    vcov_respondent_hc1 = mat(v_resp),
    se_village_hc0 = unname(sqrt(diag(v_hc0))),
    clm_coef = unname(cfit$beta),
    clm_zeta = unname(cfit$alpha),
    clm_logLik = as.numeric(logLik(cfit)),
    clm_se_village_hc1 = unname(sqrt(diag(c_cl)))
  )
}
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "\n")
