// Exact solutions of tabular MDPs (valor/dp, docs/dp.md): an MDP by name (valor/env/registry.h)
// or as dense arrays P[s, a, s'] and R[s, a] (or R[s, a, s']), solved as `valor solve` solves it.
#include <cmath>
#include <string>

#include "python/src/bindings.h"
#include "valor/core/error.h"
#include "valor/dp/solve.h"
#include "valor/env/registry.h"

namespace valor::python {
namespace {

using namespace pybind11::literals;

using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

// The model as dense arrays: P [S, A, S'] (entries summed per next state), the expected reward
// R [S, A], the terminal mask, the initial distribution and the labels.
py::dict mdp_arrays(const env::TabularMdp& mdp) {
  const auto S = static_cast<py::ssize_t>(mdp.num_states);
  const auto A = static_cast<py::ssize_t>(mdp.num_actions);
  py::array_t<double> p({S, A, S}), r({S, A});
  py::array_t<bool> terminal(S);
  py::array_t<double> initial(S);
  double* pd = p.mutable_data();
  std::fill(pd, pd + p.size(), 0.0);
  for (int s = 0; s < mdp.num_states; ++s) {
    for (int a = 0; a < mdp.num_actions; ++a) {
      const size_t row = static_cast<size_t>(s) * static_cast<size_t>(A) + static_cast<size_t>(a);
      for (const auto& t : mdp.row(s, a)) {
        pd[row * static_cast<size_t>(S) + static_cast<size_t>(t.next_state)] += t.probability;
      }
      r.mutable_data()[row] = mdp.expected_reward(s, a);
    }
    terminal.mutable_data()[s] = mdp.terminal[static_cast<size_t>(s)];
    initial.mutable_data()[s] = mdp.initial_distribution[static_cast<size_t>(s)];
  }
  py::list states, actions;
  for (int s = 0; s < mdp.num_states; ++s) states.append(mdp.state_name(s));
  for (int a = 0; a < mdp.num_actions; ++a) actions.append(mdp.action_name(a));
  py::dict out;
  out["name"] = mdp.name;
  out["P"] = p;
  out["R"] = r;
  out["terminal"] = terminal;
  out["initial"] = initial;
  out["state_labels"] = states;
  out["action_names"] = actions;
  return out;
}

// A TabularMdp from dense arrays; outcomes of probability 0 are left out. TabularMdp::validate
// then checks it (rows summing to 1, terminal rows absorbing with reward 0, ...).
env::TabularMdp mdp_from_arrays(const Doubles& p, const Doubles& r, const py::object& terminal,
                                const py::object& initial) {
  if (p.ndim() != 3 || p.shape(0) != p.shape(2) || p.shape(0) < 1 || p.shape(1) < 1) {
    fail("P must have shape (S, A, S) with S, A >= 1, got {}", shape_text(p));
  }
  const auto S = static_cast<size_t>(p.shape(0)), A = static_cast<size_t>(p.shape(1));
  const bool r_per_next = r.ndim() == 3;
  if (!((r.ndim() == 2 || r_per_next) && static_cast<size_t>(r.shape(0)) == S &&
        static_cast<size_t>(r.shape(1)) == A &&
        (!r_per_next || static_cast<size_t>(r.shape(2)) == S))) {
    fail("R must have shape ({}, {}) or ({}, {}, {}) to match P {}, got {}", S, A, S, A, S,
         shape_text(p), shape_text(r));
  }
  env::TabularMdp mdp =
      env::TabularMdp::with_shape("MDP from arrays", static_cast<int>(S), static_cast<int>(A));
  const double* pd = p.data();
  const double* rd = r.data();
  for (size_t s = 0; s < S; ++s) {
    for (size_t a = 0; a < A; ++a) {
      auto& row = mdp.rows[s * A + a];
      for (size_t n = 0; n < S; ++n) {
        const double prob = pd[(s * A + a) * S + n];
        if (prob == 0) continue;
        const double reward = r_per_next ? rd[(s * A + a) * S + n] : rd[s * A + a];
        row.push_back({static_cast<int>(n), prob, reward});
      }
    }
  }
  if (!terminal.is_none()) {
    const auto t = py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(terminal);
    if (!t || t.ndim() != 1 || static_cast<size_t>(t.size()) != S) {
      fail("terminal must be a boolean array of shape ({},)", S);
    }
    for (size_t s = 0; s < S; ++s) mdp.terminal[s] = t.data()[s];
  }
  if (initial.is_none()) {
    // Uniform over the non-terminal states: where value iteration at gamma = 1 starts its search
    // for reachable states.
    size_t live = 0;
    for (size_t s = 0; s < S; ++s) live += !mdp.terminal[s];
    if (live == 0) fail("every state is terminal: nothing to solve");
    for (size_t s = 0; s < S; ++s) {
      mdp.initial_distribution[s] = mdp.terminal[s] ? 0.0 : 1.0 / static_cast<double>(live);
    }
  } else {
    const Doubles d(initial);
    if (d.ndim() != 1 || static_cast<size_t>(d.size()) != S) {
      fail("initial must be a distribution of shape ({},), got {}", S, shape_text(d));
    }
    std::copy(d.data(), d.data() + S, mdp.initial_distribution.begin());
  }
  mdp.validate();
  return mdp;
}

py::dict solution(const env::TabularMdp& mdp, double gamma, double epsilon) {
  dp::OptimalSolution sol;
  {
    py::gil_scoped_release release;
    sol = dp::solve_optimal(mdp, gamma, epsilon);
  }
  const auto S = static_cast<py::ssize_t>(mdp.num_states);
  const auto A = static_cast<py::ssize_t>(mdp.num_actions);
  py::array_t<double> v(S), q({S, A});
  py::array_t<int64_t> policy(S);
  std::copy(sol.vi.v.begin(), sol.vi.v.end(), v.mutable_data());
  std::copy(sol.vi.q.begin(), sol.vi.q.end(), q.mutable_data());
  std::copy(sol.vi.policy.begin(), sol.vi.policy.end(), policy.mutable_data());
  py::dict out;
  out["V"] = v;
  out["Q"] = q;
  out["policy"] = policy;
  out["gamma"] = gamma;
  out["sweeps"] = sol.vi.sweeps;
  out["certified"] = sol.vi.certified;
  out["unreachable"] = sol.unreachable;
  out["improper"] = sol.improper;
  py::list states, actions;
  for (int s = 0; s < mdp.num_states; ++s) states.append(mdp.state_name(s));
  for (int a = 0; a < mdp.num_actions; ++a) actions.append(mdp.action_name(a));
  out["state_labels"] = states;
  out["action_names"] = actions;
  return out;
}

}  // namespace

void bind_dp(py::module_& m) {
  m.def(
      "tabular_mdp",
      [](const std::string& spec) { return mdp_arrays(env::make_tabular_mdp(spec)); }, "spec"_a);
  m.def(
      "solve_named",
      [](const std::string& spec, double gamma, double epsilon) {
        return solution(env::make_tabular_mdp(spec), gamma, epsilon);
      },
      "spec"_a, "gamma"_a, "epsilon"_a);
  m.def(
      "solve_arrays",
      [](const Doubles& p, const Doubles& r, double gamma, const py::object& terminal,
         const py::object& initial, double epsilon) {
        return solution(mdp_from_arrays(p, r, terminal, initial), gamma, epsilon);
      },
      "P"_a, "R"_a, "gamma"_a, "terminal"_a, "initial"_a, "epsilon"_a);
}

}  // namespace valor::python
