# Reference values for tests/test_ordering.py and tests/test_scalability.py.
#
# Run from the repository root:   Rscript tests/reference/ordering.R
# Reads  tests/reference/ordering_data.csv  (columns c1, c2, c3 = circles nearest first)
# Writes tests/reference/ordering_values.csv (dataset, quantity, term, value)
#
# Data sets:
#   statext: the Page's L teaching-methods example (10 students rating tutorial,
#            lecture, seminar 1-5; Statext LLC, "Page's L Trend Test",
#            https://www.statext.com/practice/PageTrendTest03.php, reproduced in
#            scipy.stats.page_trend_test's docstring: L = 133.5), columns
#            reversed so that the first column (seminar) is the one predicted
#            highest, like the nearest circle.
#   likert:  16 made-up respondents x 3 circles, Likert 1-5, with ties, tied
#            rows and zero differences.
#   binary:  10 respondents x 3 circles, 0/1 (hand-computable Loevinger's H).
#
# Reference implementations used:
#   stats::friedman.test, stats::wilcox.test(paired = TRUE, exact = FALSE,
#   correct = TRUE), stats::p.adjust(method = "holm"); Page's L from its
#   definition; coin::friedman_test with an ordered factor (Page-type linear
#   rank test, conditional = tie-aware asymptotic variance) for Page's z;
#   Loevinger's H from its definition (counting Guttman errors); the delta-method
#   SE of H over the multinomial of response patterns (numDeriv::grad), which is
#   the iid SE of mokken::coefH(se = TRUE) (Kuijpers, Van der Ark & Croon 2013).
#   mokken itself is not available from Debian's packages here.

suppressPackageStartupMessages({
  library(coin)
  library(numDeriv)
})

dat <- read.csv("tests/reference/ordering_data.csv")
out <- data.frame(dataset = character(), quantity = character(), term = character(),
                  value = numeric())
add <- function(ds, q, term, v) {
  out[nrow(out) + 1, ] <<- list(ds, q, term, as.numeric(v))
}
circles <- c("c1", "c2", "c3")

for (ds in c("statext", "likert")) {
  M <- as.matrix(dat[dat$dataset == ds, circles])
  n <- nrow(M); k <- ncol(M)

  ft <- friedman.test(M)
  add(ds, "friedman_chi2", "all", ft$statistic)
  add(ds, "friedman_p", "all", ft$p.value)
  add(ds, "kendall_w", "all", ft$statistic / (n * (k - 1)))

  # Page's L from its definition: ranks within rows (average ties), predicted
  # rank k for the first column (nearest circle) down to 1 for the last.
  R <- t(apply(M, 1, rank))
  pred <- k:1
  L <- sum(pred * colSums(R))
  E0 <- n * k * (k + 1)^2 / 4
  ties <- apply(M, 1, function(r) { t <- table(r); sum(t^3 - t) })
  V0 <- sum((k * (k^2 - 1) / 12) * (k * (k^2 - 1) - ties) / 12 / (k - 1))
  z <- (L - E0) / sqrt(V0)
  add(ds, "page_L", "all", L)
  add(ds, "page_z_tiecorrected", "all", z)
  add(ds, "page_p_asymptotic", "all", pnorm(z, lower.tail = FALSE))
  add(ds, "page_rho", "all", (L - E0) / (n * k * (k^2 - 1) / 12))

  # coin: Page-type test (ordered factor), conditional asymptotic distribution
  long <- data.frame(y = as.vector(M),
                     x = factor(rep(circles, each = n), levels = rev(circles), ordered = TRUE),
                     b = factor(rep(seq_len(n), times = k)))
  ct <- friedman_test(y ~ x | b, data = long, alternative = "greater")
  add(ds, "coin_page_z", "all", statistic(ct))
  add(ds, "coin_page_p", "all", pvalue(ct))

  pairs <- combn(k, 2)
  ps <- numeric(ncol(pairs))
  for (q in seq_len(ncol(pairs))) {
    a <- pairs[1, q]; b <- pairs[2, q]
    term <- paste(circles[a], "vs", circles[b])
    wt <- wilcox.test(M[, a], M[, b], paired = TRUE, exact = FALSE, correct = TRUE)
    add(ds, "wilcoxon_V", term, wt$statistic)
    add(ds, "wilcoxon_p", term, wt$p.value)
    ps[q] <- wt$p.value
  }
  adj <- p.adjust(ps, method = "holm")
  for (q in seq_len(ncol(pairs))) {
    add(ds, "wilcoxon_p_holm", paste(circles[pairs[1, q]], "vs", circles[pairs[2, q]]), adj[q])
  }
}

# Loevinger's H from its definition, on 0/1 data (binary as given; likert >= 4).
loevinger <- function(X) {
  n <- nrow(X); k <- ncol(X)
  p <- colMeans(X)
  Fm <- Em <- matrix(0, k, k)
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    easy <- if (p[i] >= p[j]) i else j
    hard <- if (p[i] >= p[j]) j else i
    Fm[i, j] <- Fm[j, i] <- sum(X[, easy] == 0 & X[, hard] == 1)  # Guttman errors
    Em[i, j] <- Em[j, i] <- n * (1 - p[easy]) * p[hard]           # expected under independence
  }
  H <- 1 - sum(Fm[upper.tri(Fm)]) / sum(Em[upper.tri(Em)])
  Hi <- 1 - rowSums(Fm) / rowSums(Em)
  Hij <- 1 - Fm / Em
  list(H = H, Hi = Hi, Hij = Hij, F = Fm, E = Em, p = p)
}

# H as a function of the 2^k response-pattern proportions, for the delta method.
h_of_pi <- function(prob, patterns, which) {
  p <- colSums(patterns * prob)
  k <- ncol(patterns)
  num <- den <- 0
  Hi_num <- Hi_den <- numeric(k)
  for (i in 1:(k - 1)) for (j in (i + 1):k) {
    pij <- sum(prob * patterns[, i] * patterns[, j])
    cv <- pij - p[i] * p[j]
    cm <- min(p[i], p[j]) - p[i] * p[j]
    num <- num + cv; den <- den + cm
    Hi_num[c(i, j)] <- Hi_num[c(i, j)] + cv
    Hi_den[c(i, j)] <- Hi_den[c(i, j)] + cm
  }
  c(num / den, Hi_num / Hi_den)[which]
}

for (ds in c("binary", "likert")) {
  M <- as.matrix(dat[dat$dataset == ds, circles])
  X <- if (ds == "binary") M else (M >= 4) * 1
  lv <- loevinger(X)
  tag <- if (ds == "binary") "binary" else "likert_ge4"
  add(tag, "H", "scale", lv$H)
  for (i in 1:3) add(tag, "Hi", circles[i], lv$Hi[i])
  for (q in 1:3) {
    i <- c(1, 1, 2)[q]; j <- c(2, 3, 3)[q]
    add(tag, "Hij", paste(circles[i], circles[j]), lv$Hij[i, j])
    add(tag, "F", paste(circles[i], circles[j]), lv$F[i, j])
    add(tag, "E", paste(circles[i], circles[j]), lv$E[i, j])
  }
  # Guttman errors per respondent (popularity order), summed
  ord <- order(-lv$p)
  Xo <- X[, ord]
  g <- sapply(seq_len(nrow(Xo)), function(r) {
    s <- 0
    for (a in 1:2) for (b in (a + 1):3) s <- s + (Xo[r, a] == 0 && Xo[r, b] == 1)
    s
  })
  add(tag, "errors_total", "all", sum(g))
  # delta-method SE over the multinomial of response patterns
  patterns <- as.matrix(expand.grid(c1 = 0:1, c2 = 0:1, c3 = 0:1))
  key <- apply(X, 1, paste, collapse = "")
  pkey <- apply(patterns, 1, paste, collapse = "")
  prob <- as.numeric(table(factor(key, levels = pkey))) / nrow(X)
  Sigma <- (diag(prob) - outer(prob, prob)) / nrow(X)
  for (w in 1:4) {
    J <- grad(function(pr) h_of_pi(pr, patterns, w), prob)
    term <- if (w == 1) "scale" else circles[w - 1]
    add(tag, "se_iid", term, sqrt(drop(t(J) %*% Sigma %*% J)))
  }
}

out$value <- sprintf("%.15g", out$value)
write.csv(out, "tests/reference/ordering_values.csv", row.names = FALSE, quote = TRUE)
cat(sprintf("%s\n", R.version.string))
cat(sprintf("coin %s, numDeriv %s\n", packageVersion("coin"), packageVersion("numDeriv")))
