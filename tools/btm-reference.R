#!/usr/bin/env Rscript
# Reference fits from R's BradleyTerry2 (BTm) for valor's rank tests (testdata/rank/README.md).
# Needs R and BradleyTerry2 (Debian: apt-get install r-base-core r-cran-bradleyterry2, which
# brings brglm for br = TRUE); valor's build and CI never run it: its outputs are committed.
#
#   Rscript tools/btm-reference.R [OUTDIR]   (default testdata/rank)
#
# Writes the data sets as CSV, and per fit: FIT.csv (parameter, estimate, se: abilities relative
# to BTm's reference item, the first in alphabetical order, plus the order effect), FIT_stats.csv
# (statistic, value) and FIT_vcov.csv (BTm's vcov of the non-reference coefficients).
suppressMessages(library(BradleyTerry2))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) > 0) args[1] else "testdata/rank"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
path <- function(name) file.path(out, name)
put <- function(df, name) write.csv(df, path(name), row.names = FALSE, quote = TRUE)
digits <- 17

# Pair totals (first, second, score of first, total). The saturated model of valor's deviance
# has one probability per pair, per ordered pair (first, second) when the order effect is
# fitted, so BTm gets the data in that form (its deviance is against one probability per row).
ordered_totals <- function(first, second, score) {
  key <- paste(first, second, sep = "\r")
  y <- tapply(score, key, sum)
  n <- tapply(rep(1, length(score)), key, sum)
  parts <- strsplit(names(y), "\r")
  data.frame(first = sapply(parts, `[`, 1), second = sapply(parts, `[`, 2),
             y = as.vector(y), n = as.vector(n), stringsAsFactors = FALSE)
}
unordered_totals <- function(first, second, score) {
  swap <- first > second
  ordered_totals(ifelse(swap, second, first), ifelse(swap, first, second),
                 ifelse(swap, 1 - score, score))
}

# Fits BTm to ordered totals; writes FIT.csv, FIT_stats.csv and FIT_vcov.csv.
fit_and_write <- function(name, totals, order_effect = FALSE, br = FALSE) {
  lev <- sort(unique(c(totals$first, totals$second)))
  p1 <- data.frame(item = factor(totals$first, levels = lev), at.first = 1)
  p2 <- data.frame(item = factor(totals$second, levels = lev), at.first = 0)
  formula <- if (order_effect) ~ item + at.first else ~ item
  wins <- cbind(totals$y, totals$n - totals$y)
  # glm's standard errors come from the weights of its last IRLS iteration, i.e. at the previous
  # iterate; with its default tolerance (1e-8 on the deviance) they differ from those at the
  # estimate by up to 1e-5 (icehockey). A tolerance at rounding puts them at the estimate.
  model <- if (br) {
    suppressWarnings(BTm(wins, p1, p2, formula, id = "item", br = TRUE))
  } else {
    suppressWarnings(BTm(wins, p1, p2, formula, id = "item",
                         control = glm.control(epsilon = 1e-15, maxit = 100)))
  }
  cf <- summary(model)$coefficients
  params <- data.frame(parameter = c(lev[1], sub("^item", "", rownames(cf))),
                       estimate = c(0, cf[, 1]), se = c(0, cf[, 2]))
  params$parameter[params$parameter == "at.first"] <- "(order effect)"
  write.csv(format(params, digits = digits), path(paste0(name, ".csv")), row.names = FALSE)
  # valor's log-likelihood: sum over comparisons of y log p + (n - y) log(1 - p), with p BTm's
  # fitted probabilities. R's logLik adds log choose(n, y) per binomial row (and rounds
  # non-integer counts), so it is written apart, with that constant, for integer data only.
  p <- fitted(model)
  ll <- sum(ifelse(totals$y > 0, totals$y * log(p), 0) +
            ifelse(totals$n - totals$y > 0, (totals$n - totals$y) * log(1 - p), 0))
  stats <- data.frame(statistic = c("reference", "log_likelihood", "deviance", "parameters"),
                      value = c(lev[1], format(ll, digits = digits),
                                format(deviance(model), digits = digits),
                                length(coef(model)[!is.na(coef(model))])))
  if (all(totals$y == round(totals$y))) {
    stats <- rbind(stats, data.frame(
      statistic = c("r_log_lik", "r_aic", "log_choose"),
      value = c(format(as.numeric(logLik(model)), digits = digits),
                format(AIC(model), digits = digits),
                format(sum(lchoose(totals$n, totals$y)), digits = digits))))
  }
  write.csv(stats, path(paste0(name, "_stats.csv")), row.names = FALSE)
  v <- vcov(model)
  names <- sub("^item", "", rownames(v))
  names[names == "at.first"] <- "(order effect)"
  vdf <- data.frame(parameter = names, format(as.data.frame(unname(v)), digits = digits))
  colnames(vdf) <- c("parameter", names)
  write.csv(vdf, path(paste0(name, "_vcov.csv")), row.names = FALSE)
}

# football: English Premier League 2008-9 to 2012-13, one row per game, home team first;
# a draw is half a win each.
data(football)
fb <- data.frame(home = as.character(football$home), away = as.character(football$away),
                 outcome = ifelse(football$result == 1, 1, ifelse(football$result == 0, 0.5, 0)))
put(fb, "football.csv")
fit_and_write("football_bt", unordered_totals(fb$home, fb$away, fb$outcome))
fit_and_write("football_home", ordered_totals(fb$home, fb$away, fb$outcome), order_effect = TRUE)

# citations: the 4 x 4 table of citations among statistics journals; the cited journal wins.
# As totals (one row per ordered pair, the count as a weight): 12 rows, 3,727 comparisons.
data(citations)
ct <- expand.grid(cited = rownames(citations), citing = colnames(citations),
                  stringsAsFactors = FALSE)
ct$count <- as.vector(citations)
ct <- ct[ct$cited != ct$citing, ]
put(data.frame(model_a = ct$cited, model_b = ct$citing, winner = "model_a", count = ct$count),
    "citations.csv")
# BTm's binomial rows: wins of player1 (cited) and of player2 per unordered pair.
binomial_rows <- function(counts) {
  b <- countsToBinomial(counts)
  data.frame(first = as.character(b$player1), second = as.character(b$player2), y = b$win1,
             n = b$win1 + b$win2, stringsAsFactors = FALSE)
}
fit_and_write("citations_bt", binomial_rows(citations))
fit_and_write("citations_br", binomial_rows(citations), br = TRUE)
# The same table without the citations of Comm Statist (its row): it never wins, so the MLE does
# not exist (BTm's estimate runs off towards -infinity); the bias-reduced one is finite.
nocs <- citations
nocs["Comm Statist", ] <- 0
nt <- expand.grid(cited = rownames(nocs), citing = colnames(nocs), stringsAsFactors = FALSE)
nt$count <- as.vector(nocs)
nt <- nt[nt$cited != nt$citing & nt$count > 0, ]
put(data.frame(model_a = nt$cited, model_b = nt$citing, winner = "model_a", count = nt$count),
    "citations_nocs.csv")
fit_and_write("citations_nocs_br", binomial_rows(nocs), br = TRUE)

# icehockey: NCAA men's hockey 2009-10, visitor first; a tie is half a win each.
data(icehockey)
ih <- data.frame(visitor = as.character(icehockey$visitor),
                 opponent = as.character(icehockey$opponent), outcome = icehockey$result)
put(ih, "icehockey.csv")
iht <- unordered_totals(ih$visitor, ih$opponent, ih$outcome)
fit_and_write("icehockey_bt", iht)
fit_and_write("icehockey_br", iht, br = TRUE)

writeLines(c(paste("R", R.version$major, R.version$minor, sep = "."),
             paste("BradleyTerry2", packageVersion("BradleyTerry2")),
             paste("brglm", packageVersion("brglm"))), path("versions.txt"))
