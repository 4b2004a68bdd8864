# Reference values for tests/test_clmm.py, from R's ordinal::clmm.
#
# Regenerate (from the repository root):
#   python tests/reference/make_clmm_data.py
#   Rscript tests/reference/clmm.R > tests/reference/clmm_values.json
#
# Produced with R 4.2.2 and ordinal 2022.11.16 (Debian packages r-base-core,
# r-cran-ordinal); the JSON records the versions it was produced with
# ("r_version", "ordinal_version") and, for each model, the call.
# Numbers are written with jsonlite::toJSON(digits = NA) (15 significant digits).
#
# Data: clmm_data.csv (see make_clmm_data.py), reshaped to one row per answer
# (respondent x circle), missing codes 98/99 dropped.  circle: factor with
# levels relatives < friends < villagers; sex: factor 0 (男) / 1 (女);
# lives_alone: 0/1 numeric.
#
# Models, all with ctl <- clmm.control(gradTol = 1e-6, iter.max = 1000, eval.max = 2000,
# rel.tol = 1e-12): gradTol is the inner (random-effect mode) tolerance, the
# others go to the outer optimiser nlminb.  With clmm's defaults the nested fit
# stops at nlminb's iteration limit (convergence code 1, max |gradient| 3.8,
# logLik 0.43 below the maximum); with these settings every fit reaches
# max |gradient| < 1e-3 (recorded as "max_grad"; nlminb may still call the
# nested fit's stop "singular convergence", code 7, at the optimum).
#   agq10:       clmm(y ~ circle + age + sex + (1 | resp), nAGQ = 10)
#   laplace:     clmm(y ~ circle + age + sex + (1 | resp), nAGQ = 1)
#   probit10:    clmm(y ~ circle + age + sex + (1 | resp), link = "probit", nAGQ = 10)
#   nested:      clmm(y ~ circle + age + sex + (1 | village) + (1 | village:resp))  (Laplace)
#   mod_full:    clmm(y ~ circle * lives_alone + age + sex + (1 | resp), nAGQ = 10)
#   mod_main:    clmm(y ~ circle + lives_alone + age + sex + (1 | resp), nAGQ = 10)
#   lrt:         anova(mod_main, mod_full)
# For each model: thresholds (alpha), coefficients (beta), random-effect SDs
# (ST), their standard errors from summary() (ordinal's numerical Hessian;
# the SD's on the log scale as clmm parameterises it is not reported by
# summary, so only thresholds and coefficients), logLik, and for agq10 the
# conditional modes of the respondent effects (ranef) in data order.

suppressPackageStartupMessages({
  library(ordinal)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else "."
wide <- read.csv(file.path(here, "clmm_data.csv"), stringsAsFactors = FALSE)

items <- c(relatives = "will_rel_care", friends = "will_fri_care", villagers = "will_vil_care")
long <- do.call(rbind, lapply(names(items), function(ci) {
  data.frame(resp = wide$resp_id, village = wide$village, age = wide$age, sex = wide$sex,
             lives_alone = wide$lives_alone, circle = ci, answer = wide[[items[[ci]]]],
             stringsAsFactors = FALSE)
}))
long <- long[!(long$answer %in% c(98, 99)) & !is.na(long$answer), ]
long$y <- factor(long$answer, levels = 1:5, ordered = TRUE)
long$circle <- factor(long$circle, levels = names(items))
long$sex <- factor(long$sex, levels = c(0, 1))
long$resp <- factor(long$resp)
long$village <- factor(long$village)

ctl <- clmm.control(gradTol = 1e-6, iter.max = 1000, eval.max = 2000, rel.tol = 1e-12)
# Fit one model; its warnings (the inner random-effect updates of clmm may
# warn "step factor reduced below minimum" on the way) are counted and recorded.
fit <- function(call_text) {
  warns <- character(0)
  t0 <- proc.time()[["elapsed"]]
  m <- withCallingHandlers(eval(parse(text = call_text)), warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  elapsed <- proc.time()[["elapsed"]] - t0
  s <- summary(m)
  ct <- coef(s)
  st <- unlist(lapply(m$ST, function(x) as.numeric(x)))
  list(model = m, values = list(
    call = call_text, control = "ctl", alpha = unname(m$alpha), alpha_names = names(m$alpha),
    beta = unname(m$beta), beta_names = names(m$beta),
    se = unname(ct[, "Std. Error"]), se_names = rownames(ct),
    sd = unname(st), sd_names = names(m$ST), logLik = as.numeric(logLik(m)),
    df = attr(logLik(m), "df"), nobs = nobs(m), seconds = elapsed,
    convergence = m$optRes$convergence, message = m$optRes$message,
    max_grad = max(abs(m$gradient)), n_warnings = length(warns),
    warnings = unique(gsub("\\s+", " ", warns))))
}

out <- list(
  r_version = R.version.string,
  ordinal_version = as.character(packageVersion("ordinal")),
  data = "clmm_data.csv",
  n_answers = nrow(long)
)
calls <- c(
  agq10 = "clmm(y ~ circle + age + sex + (1 | resp), data = long, nAGQ = 10, control = ctl)",
  laplace = "clmm(y ~ circle + age + sex + (1 | resp), data = long, nAGQ = 1, control = ctl)",
  probit10 = "clmm(y ~ circle + age + sex + (1 | resp), data = long, link = 'probit', nAGQ = 10, control = ctl)",
  nested = "clmm(y ~ circle + age + sex + (1 | village) + (1 | village:resp), data = long, control = ctl)",
  mod_full = "clmm(y ~ circle * lives_alone + age + sex + (1 | resp), data = long, nAGQ = 10, control = ctl)",
  mod_main = "clmm(y ~ circle + lives_alone + age + sex + (1 | resp), data = long, nAGQ = 10, control = ctl)"
)
models <- list()
for (nm in names(calls)) {
  f <- fit(calls[[nm]])
  models[[nm]] <- f$model
  out[[nm]] <- f$values
}
re <- ranef(models$agq10)$resp
out$agq10$ranef_resp <- rownames(re)
out$agq10$ranef <- unname(re[, 1])
a <- anova(models$mod_main, models$mod_full)
out$lrt <- list(call = "anova(mod_main, mod_full)", statistic = a$LR.stat[2], df = a$df[2],
                p_value = a[["Pr(>Chisq)"]][2])
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "\n")
