# Reference values for tests/test_scales.py: Cronbach's alpha and item
# statistics by psych::alpha, one-factor minres loadings by psych::fa, and
# McDonald's omega total computed from those loadings.
#
# Regenerate (from the repository root):
#   python tests/reference/make_psych_alpha_data.py
#   Rscript tests/reference/psych_alpha.R > tests/reference/psych_alpha_values.json
#
# Produced with: R version 4.2.2 Patched (2022-11-10 r83330), psych 2.2.9,
# jsonlite 1.8.4 (Debian packages r-base-core, r-cran-psych, r-cran-jsonlite).
# The JSON records the versions it was produced with.
#
# Data: psych_alpha_data.csv, the ten GSES items (1-4, none reverse-keyed) of
# the 361 baseline respondents of the bundled sample who answered all ten
# (complete cases, so psych's default use = "pairwise" equals listwise).
#
# Calls:
#   a <- psych::alpha(x)                      # x = the ten item columns
#     a$total$raw_alpha, std.alpha, G6(smc), average_r, mean, sd
#     a$feldt$lower.ci, a$feldt$upper.ci      # Feldt (1965) 95% CI (psych::alpha.ci)
#     a$alpha.drop$raw_alpha                  # alpha if the item is dropped
#     a$item.stats$r.drop, mean, sd           # item-rest correlation
#   f <- psych::fa(x, nfactors = 1, fm = "minres")
#     lambda <- as.numeric(f$loadings)        # standardised loadings
#     omega_total = sum(lambda)^2 / (sum(lambda)^2 + sum(1 - lambda^2))
#   (psych::omega needs GPArotation, which is not installed; with one factor
#   omega total is the formula above.)
#   alpha.ci(raw_alpha, n, 10, p.val = 0.10) gives the 90% Feldt interval.

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "."
d <- read.csv(file.path(here, "psych_alpha_data.csv"), stringsAsFactors = FALSE)
x <- d[, grep("^gses_", names(d))]

a <- psych::alpha(x)
f <- psych::fa(x, nfactors = 1, fm = "minres")
lambda <- as.numeric(f$loadings)
if (sum(lambda) < 0) lambda <- -lambda
omega_total <- sum(lambda)^2 / (sum(lambda)^2 + sum(1 - lambda^2))
ci90 <- psych::alpha.ci(a$total$raw_alpha, nrow(x), ncol(x), p.val = 0.10)

out <- list(
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  data = "psych_alpha_data.csv",
  n = nrow(x),
  items = names(x),
  raw_alpha = a$total$raw_alpha,
  std_alpha = a$total$std.alpha,
  average_r = a$total$average_r,
  g6_smc = a$total[["G6(smc)"]],
  total_mean = a$total$mean,
  total_sd = a$total$sd,
  feldt_lower = as.numeric(unlist(a$feldt$lower.ci)),
  feldt_upper = as.numeric(unlist(a$feldt$upper.ci)),
  feldt90_lower = ci90$lower.ci,
  feldt90_upper = ci90$upper.ci,
  alpha_drop = a$alpha.drop$raw_alpha,
  r_drop = a$item.stats$r.drop,
  item_mean = a$item.stats$mean,
  item_sd = a$item.stats$sd,
  fa_minres_loadings = lambda,
  omega_total = omega_total
)
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
