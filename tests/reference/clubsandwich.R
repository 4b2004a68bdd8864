# Reference values for tests/test_inference_cluster.py, from R's clubSandwich.
#
# Regenerate (from the repository root):
#   python tests/reference/make_clubsandwich_data.py
#   Rscript tests/reference/clubsandwich.R > tests/reference/clubsandwich_values.json
#
# Produced with: R version 4.2.2 Patched (2022-11-10 r83330), clubSandwich 0.5.8,
# sandwich 3.0.2 (Debian packages r-base-core, r-cran-clubsandwich, r-cran-sandwich).
# The JSON records the versions it was produced with (fields "r_version", ...).
# Base R only besides clubSandwich/sandwich: the JSON is written by hand with
# format(x, digits = 17), matrices row by row.
#
# Calls (d = read.csv("clubsandwich_data.csv"); cl = d$cluster):
#   ols:        m <- lm(y ~ x1 + x2 + treat, data = d)
#               vcovCR(m, cluster = cl, type = "CR2")
#               coef_test(m, vcov = V_CR2, test = "Satterthwaite")
#               vcovCR(m, cluster = cl, type = "CR1S"); coef_test(m, V_CR1S, test = "naive-t")
#               Wald_test(m, constraints = constrain_zero(c("x1", "treat")), vcov = V_CR2, test = "HTZ")
#               linear_contrast(m, vcov = V_CR2, contrasts = matrix(c(0, 1, 0, 1), 1), test = "Satterthwaite")
#   fe:         lm(y ~ x1 + x2 + factor(cluster), data = d)   (cluster fixed effects;
#               I - H_gg singular: clubSandwich's matrix_power drops eigenvalues <= 1e-12)
#               CR2 + Satterthwaite; Wald_test HTZ for x1 and x2
#   wls:        lm(y ~ x1 + x2 + treat, data = d, weights = w)   (default target: identity,
#               inverse_var = FALSE); CR2 + Satterthwaite; CR1S; Wald_test HTZ x1, treat
#   mean:       lm(y ~ 1, data = d); CR2 + Satterthwaite
#   wmean:      lm(y ~ 1, data = d, weights = w); CR2 + Satterthwaite

suppressPackageStartupMessages({
  library(clubSandwich)
  library(sandwich)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "."
d <- read.csv(file.path(here, "clubsandwich_data.csv"))
cl <- d$cluster

num <- function(x) {
  x <- as.numeric(x)
  vals <- ifelse(is.na(x), "null", format(x, digits = 17, scientific = FALSE, trim = TRUE))
  paste0("[", paste(vals, collapse = ", "), "]")
}
mat <- function(m) {
  m <- as.matrix(m)
  paste0("[", paste(apply(m, 1, num), collapse = ", "), "]")
}
str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
obj <- function(...) {
  fields <- list(...)
  paste0("{", paste(sprintf("%s: %s", str(names(fields)), unlist(fields)), collapse = ", "), "}")
}

cr2_block <- function(m, wald = NULL) {
  V2 <- vcovCR(m, cluster = cl, type = "CR2")
  ct <- coef_test(m, vcov = V2, test = "Satterthwaite")
  V1 <- vcovCR(m, cluster = cl, type = "CR1S")
  ct1 <- coef_test(m, vcov = V1, test = "naive-t")
  fields <- list(
    terms = paste0("[", paste(str(names(coef(m))), collapse = ", "), "]"),
    coef = num(coef(m)),
    vcov_CR2 = mat(V2),
    se_CR2 = num(ct$SE),
    df_CR2 = num(ct$df_Satt),
    p_CR2 = num(ct$p_Satt),
    vcov_CR1S = mat(V1),
    se_CR1S = num(ct1$SE),
    df_CR1S = num(ct1$df_t),
    p_CR1S = num(ct1$p_t)
  )
  if (!is.null(wald)) {
    w <- Wald_test(m, constraints = constrain_zero(wald), vcov = V2, test = "HTZ")
    fields$wald_terms <- paste0("[", paste(str(wald), collapse = ", "), "]")
    fields$wald_HTZ <- obj(Fstat = num(w$Fstat), delta = num(w$delta), df_num = num(w$df_num),
                           df_denom = num(w$df_denom), p_val = num(w$p_val))
  }
  do.call(obj, fields)
}

m_ols <- lm(y ~ x1 + x2 + treat, data = d)
m_fe <- lm(y ~ x1 + x2 + factor(cluster), data = d)
m_wls <- lm(y ~ x1 + x2 + treat, data = d, weights = w)
m_mean <- lm(y ~ 1, data = d)
m_wmean <- lm(y ~ 1, data = d, weights = w)

contrast <- matrix(c(0, 1, 0, 1), nrow = 1)
lc <- linear_contrast(m_ols, vcov = vcovCR(m_ols, cluster = cl, type = "CR2"),
                      contrasts = contrast, test = "Satterthwaite", p_values = TRUE)

cat(obj(
  r_version = str(R.version.string),
  clubSandwich_version = str(as.character(packageVersion("clubSandwich"))),
  sandwich_version = str(as.character(packageVersion("sandwich"))),
  data = str("clubsandwich_data.csv"),
  ols = cr2_block(m_ols, wald = c("x1", "treat")),
  ols_contrast = obj(weights = num(contrast), estimate = num(lc$Est), se = num(lc$SE),
                     df = num(lc$df), p_val = num(lc$p_val)),
  fe = cr2_block(m_fe, wald = c("x1", "x2")),
  wls = cr2_block(m_wls, wald = c("x1", "treat")),
  mean = cr2_block(m_mean),
  wmean = cr2_block(m_wmean)
), "\n")
