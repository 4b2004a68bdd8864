# Reference values for tests/test_evaluate.py and tests/test_expansion.py.
#
# Regenerate (from the repository root):
#   python tests/reference/make_evaluate_data.py
#   Rscript tests/reference/evaluate.R > tests/reference/evaluate_values.json
#
# Produced with R 4.2.2 Patched (2022-11-10 r83330), clubSandwich 0.5.8,
# sandwich 3.0.2, jsonlite (Debian packages r-base-core, r-cran-clubsandwich,
# r-cran-sandwich, r-cran-jsonlite); the JSON records the versions.
#
# Data: evaluate_data.csv, one row per respondent and wave (10 villages,
# 5 workshop).  Samples, built here independently of the Python code:
#   wide  = respondents with gses at both waves (paired tests, ANCOVA)
#   long  = every row with gses observed (DiD)
#   gap   = every row with will_rel and will_vil observed, y = will_rel - will_vil
# Models (treat = arm == "workshop", post = wave == "post"):
#   ancova:      lm(post ~ treat + pre, wide)
#   ancova_cov:  lm(post ~ treat + pre + age + sex, wide)
#   did:         lm(y ~ treat + post + treat:post, long)
#   did_cov:     lm(y ~ treat + post + treat:post + age + sex, long)
#   gap_did:     lm(y ~ treat + post + treat:post, gap)
# For each, the coefficient of treat (ANCOVA) or treat:post (DiD):
#   CR2:  clubSandwich::coef_test(m, vcov = vcovCR(m, cluster = village, type = "CR2"),
#                                 test = "Satterthwaite")
#   CR1:  sandwich::vcovCL(m, cluster = village, type = "HC1") (factor
#         G/(G-1) (N-1)/(N-K)); p from t(G-1)
#   wild: wild cluster restricted bootstrap, Rademacher weights, a loop over all
#         2^10 sign vectors (expand.grid), each refitted with lm.fit and its CR1
#         t computed from rowsum() cluster scores; p = mean(|t*| >= |t| (1 - 1e-10))
#   ri:   exact randomisation p-value: a loop over all choose(10, 5) = 252 sets
#         of workshop villages, each refitted with lm(); p = mean(|b_T| >= |b| (1 - 1e-10))
# Within arm (workshop, comparison), on wide:
#   t.test(post, pre, paired = TRUE); wilcox.test(post, pre, paired = TRUE)
#   (exact = NULL, correct = TRUE); mean change lm(post - pre ~ 1) with CR2;
#   d_z CI by uniroot() on pt(t, n - 1, ncp).
# WWC g: (1 - 3/(4N - 9)) * ancova coefficient / pooled SD of post by arm.

suppressPackageStartupMessages({
  library(clubSandwich)
  library(sandwich)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "."
d <- read.csv(file.path(here, "evaluate_data.csv"), stringsAsFactors = FALSE)
d$treat <- as.numeric(d$arm == "workshop")
d$post <- as.numeric(d$wave == "post")

pre <- d[d$wave == "pre", ]
fol <- d[d$wave == "post", ]
wide <- merge(pre[, c("resp_id", "village", "treat", "age", "sex", "gses")],
              fol[, c("resp_id", "gses")], by = "resp_id", suffixes = c("_pre", "_post"))
wide <- wide[!is.na(wide$gses_pre) & !is.na(wide$gses_post), ]
wide$pre <- wide$gses_pre
wide$post <- wide$gses_post
long <- d[!is.na(d$gses), ]
long$y <- long$gses
gap <- d[!is.na(d$will_rel) & !is.na(d$will_vil), ]
gap$y <- gap$will_rel - gap$will_vil

cr1_t <- function(y, X, codes, j) {
  fit <- lm.fit(X, y)
  e <- fit$residuals
  XtXi <- solve(crossprod(X))
  S <- rowsum(X * e, codes)
  n <- nrow(X); k <- ncol(X); G <- nrow(S)
  V <- G / (G - 1) * (n - 1) / (n - k) * XtXi %*% crossprod(S) %*% XtXi
  unname(fit$coefficients[j] / sqrt(V[j, j]))
}

wild_p <- function(m, data, term) {
  X <- model.matrix(m)
  y <- model.response(model.frame(m))
  j <- which(colnames(X) == term)
  codes <- match(data$village, unique(data$village))
  G <- max(codes)
  u <- lm.fit(X[, -j, drop = FALSE], y)$residuals
  yhat <- y - u
  t_obs <- cr1_t(y, X, codes, j)
  signs <- as.matrix(expand.grid(rep(list(c(-1, 1)), G)))
  t_star <- apply(signs, 1, function(v) cr1_t(yhat + u * v[codes], X, codes, j))
  mean(abs(t_star) >= abs(t_obs) * (1 - 1e-10))
}

ri_p <- function(formula, data, term) {
  villages <- sort(unique(data$village))
  treated <- sort(unique(data$village[data$treat == 1]))
  b_obs <- coef(lm(formula, data = data))[[term]]
  sets <- combn(villages, length(treated))
  b <- apply(sets, 2, function(s) {
    dd <- data
    dd$treat <- as.numeric(dd$village %in% s)
    coef(lm(formula, data = dd))[[term]]
  })
  list(estimate = b_obs, p = mean(abs(b) >= abs(b_obs) * (1 - 1e-10)), n = ncol(sets))
}

between <- function(formula, data, term) {
  m <- lm(formula, data = data)
  G <- length(unique(data$village))
  V2 <- vcovCR(m, cluster = data$village, type = "CR2")
  ct <- coef_test(m, vcov = V2, test = "Satterthwaite")
  i <- which(names(coef(m)) == term)
  V1 <- vcovCL(m, cluster = data$village, type = "HC1")
  se1 <- sqrt(V1[i, i])
  t1 <- coef(m)[[i]] / se1
  ri <- ri_p(formula, data, term)
  list(
    term = term,
    n = nobs(m),
    estimate = coef(m)[[i]],
    cr2_se = ct$SE[i], cr2_df = ct$df_Satt[i], cr2_t = ct$tstat[i], cr2_p = ct$p_Satt[i],
    cr1_se = se1, cr1_t = t1, cr1_df = G - 1, cr1_p = 2 * pt(-abs(t1), G - 1),
    wild_p = wild_p(m, data, term), wild_B = 2^G,
    ri_p = ri$p, ri_estimate = ri$estimate, ri_n = ri$n
  )
}

within <- function(w) {
  tt <- t.test(w$post, w$pre, paired = TRUE)
  wx <- suppressWarnings(wilcox.test(w$post, w$pre, paired = TRUE))
  ch <- lm(I(post - pre) ~ 1, data = w)
  ct <- coef_test(ch, vcov = vcovCR(ch, cluster = w$village, type = "CR2"),
                  test = "Satterthwaite")
  n <- nrow(w)
  t <- unname(tt$statistic)
  ncp_lo <- uniroot(function(ncp) pt(t, n - 1, ncp) - 0.975, c(t - 5, t + 5), tol = 1e-13)$root
  ncp_hi <- uniroot(function(ncp) pt(t, n - 1, ncp) - 0.025, c(t - 5, t + 5), tol = 1e-13)$root
  list(
    n = n,
    estimate = unname(tt$estimate), t = t, df = unname(tt$parameter), p = tt$p.value,
    conf_low = tt$conf.int[1], conf_high = tt$conf.int[2],
    wilcox_V = unname(wx$statistic), wilcox_p = wx$p.value,
    cr2_estimate = unname(coef(ch)[1]), cr2_se = ct$SE[1], cr2_df = ct$df_Satt[1],
    cr2_p = ct$p_Satt[1],
    d_z_low = ncp_lo / sqrt(n), d_z_high = ncp_hi / sqrt(n)
  )
}

m_anc <- lm(post ~ treat + pre, data = wide)
s_post <- tapply(wide$post, wide$treat, sd)
n_arm <- tapply(wide$post, wide$treat, length)
N <- sum(n_arm)
S <- sqrt(sum((n_arm - 1) * s_post^2) / (N - 2))
wwc_g <- (1 - 3 / (4 * N - 9)) * coef(m_anc)[["treat"]] / S

out <- list(
  r_version = R.version.string,
  clubSandwich = as.character(packageVersion("clubSandwich")),
  sandwich = as.character(packageVersion("sandwich")),
  within = list(
    workshop = within(wide[wide$treat == 1, ]),
    comparison = within(wide[wide$treat == 0, ])
  ),
  ancova = between(post ~ treat + pre, wide, "treat"),
  ancova_cov = between(post ~ treat + pre + age + sex, wide, "treat"),
  did = between(y ~ treat + post + treat:post, long, "treat:post"),
  did_cov = between(y ~ treat + post + treat:post + age + sex, long, "treat:post"),
  gap_did = between(y ~ treat + post + treat:post, gap, "treat:post"),
  wwc = list(g = wwc_g, S = S, N = N)
)
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n")
