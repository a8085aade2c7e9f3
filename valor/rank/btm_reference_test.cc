// valor's Bradley-Terry fits against R's BradleyTerry2 (BTm) on its own data sets: abilities,
// standard errors, the order (home) effect, Firth's bias-reduced fits, the log-likelihood,
// deviance, AIC and the covariance matrix. The references are written by tools/btm-reference.R
// (testdata/rank/README.md).
//
// Tolerances: the references are BTm's maximum-likelihood fits with glm's tolerance at rounding
// (tools/btm-reference.R says why) and brglm's bias-reduced fits with its default (modified
// scores below 1e-8). Measured largest differences (printed by each test): maximum likelihood,
// estimates <= 1e-15, standard errors and covariances <= 2.3e-10 (icehockey; 1e-13 elsewhere);
// Firth, estimates <= 1.2e-9, standard errors and covariances <= 3e-10 (brglm's stopping rule);
// log-likelihoods and deviances within 6e-11 relative. The tests hold 1e-8 absolute on
// estimates, standard errors and covariances, 1e-8 relative on likelihoods: tight enough to catch
// any wrong formula (an error there shows at 1e-3 or more), loose enough for brglm's stopping.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "valor/core/error.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/bradley_terry_glm.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/cross_validation.h"
#include "valor/rank/leaderboard.h"
#include "valor/rank/rating_model.h"

namespace valor::rank {
namespace {

const std::string kDir = std::string(VALOR_TESTDATA_DIR) + "/rank/";

// One CSV line, fields possibly double-quoted (no embedded quotes or commas in these files).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (const char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::vector<std::string>> read_csv(const std::string& file) {
  std::ifstream in(kDir + file);
  if (!in) throw std::runtime_error("cannot open " + kDir + file);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(in, line);  // header
  rows.push_back(split_csv(line));
  while (std::getline(in, line)) rows.push_back(split_csv(line));
  return rows;
}

struct Reference {
  std::string reference;                       // BTm's reference item (ability 0)
  std::map<std::string, double> estimate, se;  // by item, and "(order effect)"
  std::map<std::string, double> stats;         // log_likelihood, deviance, ...
  std::vector<std::string> vcov_names;         // non-reference coefficients
  std::vector<std::vector<double>> vcov;
};

Reference read_reference(const std::string& prefix) {
  Reference r;
  const auto params = read_csv(prefix + ".csv");
  for (size_t k = 1; k < params.size(); ++k) {
    r.estimate[params[k][0]] = std::stod(params[k][1]);
    r.se[params[k][0]] = std::stod(params[k][2]);
  }
  const auto stats = read_csv(prefix + "_stats.csv");
  for (size_t k = 1; k < stats.size(); ++k) {
    if (stats[k][0] == "reference") {
      r.reference = stats[k][1];
    } else {
      r.stats[stats[k][0]] = std::stod(stats[k][1]);
    }
  }
  const auto vcov = read_csv(prefix + "_vcov.csv");
  r.vcov_names.assign(vcov[0].begin() + 1, vcov[0].end());
  for (size_t k = 1; k < vcov.size(); ++k) {
    std::vector<double> row;
    for (size_t c = 1; c < vcov[k].size(); ++c) row.push_back(std::stod(vcov[k][c]));
    r.vcov.push_back(row);
  }
  return r;
}

ComparisonSet read(const std::string& file, const std::string& a, const std::string& b,
                   const std::string& outcome, const std::string& weight = "") {
  ReadOptions o;
  o.col_a = a;
  o.col_b = b;
  o.col_outcome = outcome;
  o.col_weight = weight;
  return read_comparisons(kDir + file, o);
}

ComparisonSet football() { return read("football.csv", "home", "away", "outcome"); }
ComparisonSet icehockey() { return read("icehockey.csv", "visitor", "opponent", "outcome"); }
ComparisonSet citations(const std::string& file = "citations.csv") {
  ReadOptions o;
  o.col_weight = "count";
  return read_comparisons(kDir + file, o);
}

struct Differences {
  double estimate = 0, se = 0, cov = 0;
};

// Compares ratings b (natural scale) and their covariance (dim x dim, the order effect last when
// dim > n) with BTm's contrasts against its reference item.
Differences compare(const ComparisonSet& data, const std::vector<double>& b,
                    const std::vector<double>& cov, size_t dim, double h, const Reference& ref) {
  const size_t n = data.num_items();
  const int32_t r = data.find(ref.reference);
  EXPECT_GE(r, 0);
  // The index into valor's parameters of a BTm coefficient name; contrasts c^T theta with
  // c = e_i - e_r for items, e_h for the order effect.
  auto contrast = [&](const std::string& name) {
    std::vector<double> c(dim, 0.0);
    if (name == "(order effect)") {
      c[n] = 1;
    } else {
      const int32_t i = data.find(name);
      EXPECT_GE(i, 0) << name;
      c[static_cast<size_t>(i)] += 1;
      c[static_cast<size_t>(r)] -= 1;
    }
    return c;
  };
  auto quad = [&](const std::vector<double>& u, const std::vector<double>& v) {
    double s = 0;
    for (size_t i = 0; i < dim; ++i) {
      for (size_t j = 0; j < dim; ++j) s += u[i] * cov[i * dim + j] * v[j];
    }
    return s;
  };
  Differences d;
  EXPECT_EQ(ref.estimate.size(), dim);  // the reference item's 0, the others, the order effect
  for (const auto& [name, estimate] : ref.estimate) {
    if (name == ref.reference) continue;
    const double ours = name == "(order effect)"
                            ? h
                            : b[static_cast<size_t>(data.find(name))] - b[static_cast<size_t>(r)];
    const auto c = contrast(name);
    d.estimate = std::max(d.estimate, std::abs(ours - estimate));
    d.se = std::max(d.se, std::abs(std::sqrt(quad(c, c)) - ref.se.at(name)));
  }
  for (size_t i = 0; i < ref.vcov_names.size(); ++i) {
    for (size_t j = 0; j < ref.vcov_names.size(); ++j) {
      const double ours = quad(contrast(ref.vcov_names[i]), contrast(ref.vcov_names[j]));
      d.cov = std::max(d.cov, std::abs(ours - ref.vcov[i][j]));
    }
  }
  std::cout << "max |difference| from BTm: estimates " << d.estimate << ", standard errors " << d.se
            << ", covariances " << d.cov << "\n";
  EXPECT_LT(d.estimate, 1e-8);
  EXPECT_LT(d.se, 1e-8);
  EXPECT_LT(d.cov, 1e-8);
  return d;
}

void expect_relative(double ours, double theirs, const char* what) {
  std::cout << what << ": valor " << ours << ", BTm " << theirs << ", relative difference "
            << std::abs(ours - theirs) / std::abs(theirs) << "\n";
  EXPECT_NEAR(ours, theirs, 1e-8 * std::abs(theirs)) << what;
}

// Plain Bradley-Terry through the registry and the leaderboard, compared in full.
void expect_plain_fit(const ComparisonSet& data, const std::string& prefix) {
  const Reference ref = read_reference(prefix);
  InputData input;
  input.items = data;
  LeaderboardOptions o;
  o.covariance = true;
  o.scale = "natural";
  const Leaderboard lb = fit_leaderboard(input, o);
  compare(data, lb.natural, lb.covariance, lb.covariance_dim, 0.0, ref);
  expect_relative(lb.log_likelihood, ref.stats.at("log_likelihood"), "log-likelihood");
  expect_relative(lb.deviance, ref.stats.at("deviance"), "deviance");
  EXPECT_EQ(lb.num_parameters, static_cast<size_t>(ref.stats.at("parameters")));
  // The Wald intervals' sd is the marginal one under mean(b) = 0: the covariance's diagonal.
  for (size_t i = 0; i < data.num_items(); ++i) {
    const double sd = std::sqrt(lb.covariance[i * lb.covariance_dim + i]);
    EXPECT_NEAR(lb.high[i], lb.natural[i] + 1.959963984540054 * sd, 1e-9);
  }
}

TEST(BtmReference, Football) { expect_plain_fit(football(), "football_bt"); }

TEST(BtmReference, FootballHomeAdvantage) {
  const ComparisonSet data = football();
  const Reference ref = read_reference("football_home");
  BtGlmOptions o;
  o.order_effect = true;
  const BtGlmFit fit = fit_bradley_terry_glm(data, o);
  compare(data, fit.ratings, fit.covariance, fit.dim, fit.order_effect, ref);
  std::cout << "home advantage " << fit.order_effect << " (sd "
            << std::sqrt(fit.cov(fit.dim - 1, fit.dim - 1)) << ")\n";
  EXPECT_NEAR(fit.order_effect, 0.4556, 1e-4);  // the figure, 0.456 (SE 0.051)
  // Through the leaderboard: h, its sd, the log-likelihood and the deviance (per ordered pair).
  InputData input;
  input.items = data;
  LeaderboardOptions lo;
  lo.order_effect = true;
  const Leaderboard lb = fit_leaderboard(input, lo);
  EXPECT_NEAR(lb.order_effect, ref.estimate.at("(order effect)"), 1e-8);
  EXPECT_NEAR(lb.order_effect_sd, ref.se.at("(order effect)"), 1e-8);
  expect_relative(lb.log_likelihood, ref.stats.at("log_likelihood"), "log-likelihood");
  expect_relative(lb.deviance, ref.stats.at("deviance"), "deviance");
  EXPECT_EQ(lb.num_parameters, 29u);
  // Leaving the order effect out moves the (mean-zero) abilities: the issue says by up to 0.066.
  const BtFit plain = bradley_terry_newton(data);
  double moved = 0;
  for (size_t i = 0; i < data.num_items(); ++i) {
    moved = std::max(moved, std::abs(plain.ratings[i] - fit.ratings[i]));
  }
  std::cout << "leaving the order effect out moves the abilities by up to " << moved << "\n";
  EXPECT_NEAR(moved, 0.066, 0.001);
}

TEST(BtmReference, CitationsTotals) {
  const ComparisonSet data = citations();
  ASSERT_EQ(data.comparisons().size(), 12u);
  expect_plain_fit(data, "citations_bt");
  const Reference ref = read_reference("citations_bt");
  InputData input;
  input.items = data;
  const Leaderboard lb = fit_leaderboard(input);
  // R's binomial log-likelihood adds log choose(n, y) per row; AIC follows.
  expect_relative(lb.log_likelihood, ref.stats.at("r_log_lik") - ref.stats.at("log_choose"),
                  "log-likelihood (R's less its constant)");
  expect_relative(lb.aic, ref.stats.at("r_aic") + 2 * ref.stats.at("log_choose"), "AIC");
  EXPECT_EQ(lb.total_weight, 3727.0);
  EXPECT_TRUE(lb.weights_are_counts);
}

TEST(BtmReference, Icehockey) { expect_plain_fit(icehockey(), "icehockey_bt"); }

// Firth's bias-reduced fit (BTm(..., br = TRUE)).
void expect_firth(const ComparisonSet& data, const std::string& prefix) {
  const Reference ref = read_reference(prefix);
  BtGlmOptions o;
  o.bias_reduced = true;
  const BtGlmFit fit = fit_bradley_terry_glm(data, o);
  EXPECT_TRUE(fit.converged);
  compare(data, fit.ratings, fit.covariance, fit.dim, 0.0, ref);
  const auto fitted = make_rating_model("bt", {.bias_reduced = true})->fit(data);
  expect_relative(fitted->log_likelihood(data), ref.stats.at("log_likelihood"), "log-likelihood");
  expect_relative(deviance(*fitted, data), ref.stats.at("deviance"), "deviance");
}

TEST(BtmReference, FirthCitations) { expect_firth(citations(), "citations_br"); }
TEST(BtmReference, FirthIcehockey) { expect_firth(icehockey(), "icehockey_br"); }

TEST(BtmReference, FirthIsFiniteWhenAnItemNeverWins) {
  const ComparisonSet data = citations("citations_nocs.csv");
  try {
    bradley_terry_newton(data);
    ADD_FAILURE() << "no error without Firth";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("'Comm Statist' never wins"));
  }
  expect_firth(data, "citations_nocs_br");
}

}  // namespace
}  // namespace valor::rank
