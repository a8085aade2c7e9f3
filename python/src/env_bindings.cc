// Environments for Python: one environment (Env) and a batch (VectorEnv) with Gymnasium's
// reset/step contract; python/valor/envs.py adds the spaces. Observations are float32 arrays of
// the spec's shape, written by the environment straight into the NumPy array returned.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "python/src/bindings.h"
#include "valor/core/error.h"
#include "valor/env/classic_control.h"
#include "valor/env/registry.h"
#include "valor/env/tabular.h"
#include "valor/env/vector_env.h"

namespace valor::python {
namespace {

using namespace pybind11::literals;

// A seed as Python gives it (an int or a NumPy integer): valor::Error unless in [0, 2^64).
uint64_t seed_value(const std::string& name, const py::handle& seed) {
  PyObject* index = PyNumber_Index(seed.ptr());
  if (index == nullptr) {
    PyErr_Clear();
    fail("{}: seed {} is not an integer", name, py::repr(seed).cast<std::string>());
  }
  const auto i = py::reinterpret_steal<py::int_>(index);
  const unsigned long long value = PyLong_AsUnsignedLongLong(i.ptr());
  if (PyErr_Occurred()) {
    PyErr_Clear();
    fail("{}: seed {} is out of range; accepted: integers in [0, 2^64)", name,
         py::repr(seed).cast<std::string>());
  }
  return static_cast<uint64_t>(value);
}

bool is_minatar(const std::string& name) {
  const auto& games = env::minatar_game_names();
  return std::find(games.begin(), games.end(), name) != games.end();
}

std::string family_of(const std::string& name) {
  for (const auto& info : env::list_envs()) {
    if (info.name == name) return info.family;
  }
  return "tabular";  // "gridworld:PATH" or a map file; make_env rejects anything else
}

// make()'s keyword options: MinAtar's constructor arguments, named as in valor::env.
env::EnvOptions env_options(const std::string& name, const py::dict& options) {
  env::EnvOptions out;
  if (options.empty()) return out;
  if (!is_minatar(name)) {
    fail(
        "{}: sticky_action_prob, difficulty_ramping and minimal_action_set apply to MinAtar "
        "games only",
        name);
  }
  for (const auto& [key, value] : options) {
    const auto k = py::cast<std::string>(key);
    if (k == "sticky_action_prob") {
      out.minatar.sticky_action_prob = py::cast<double>(value);
    } else if (k == "difficulty_ramping") {
      out.minatar.difficulty_ramping = py::cast<bool>(value);
    } else if (k == "minimal_action_set") {
      out.minatar.minimal_action_set = py::cast<bool>(value);
    } else {
      fail(
          "{}: unknown option '{}'; accepted: sticky_action_prob, difficulty_ramping, "
          "minimal_action_set",
          name, k);
    }
  }
  return out;
}

void check_reset_options(const std::string& name, const py::object& options) {
  if (options.is_none()) return;
  if (py::isinstance<py::dict>(options) && py::len(options) == 0) return;
  fail("{}: reset() takes no options (classic control: use reset_to(state))", name);
}

std::vector<py::ssize_t> obs_shape(const env::EnvSpec& spec, std::optional<size_t> batch = {}) {
  std::vector<py::ssize_t> shape;
  if (batch) shape.push_back(static_cast<py::ssize_t>(*batch));
  for (int d : spec.obs_shape) shape.push_back(d);
  return shape;
}

py::dict spec_dict(const env::EnvSpec& spec, const std::string& family) {
  py::dict d;
  d["name"] = spec.name;
  d["family"] = family;
  d["obs_shape"] = py::tuple(py::cast(spec.obs_shape));
  d["num_actions"] = spec.num_actions;
  d["max_episode_steps"] = spec.max_episode_steps;
  auto bounds = [&spec](const std::vector<float>& v) {
    py::array_t<float> a(obs_shape(spec));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  };
  d["obs_low"] = bounds(spec.obs_low);
  d["obs_high"] = bounds(spec.obs_high);
  return d;
}

// One environment, Gymnasium's contract (docs/python.md).
class PyEnv {
 public:
  PyEnv(const std::string& name, const py::dict& options)
      : env_(env::make_env(name, env_options(name, options))),
        family_(family_of(env_->spec().name)),
        shape_(obs_shape(env_->spec())) {}

  py::dict spec() const { return spec_dict(env_->spec(), family_); }

  py::tuple reset(const py::object& seed, const py::object& options) {
    check_reset_options(env_->spec().name, options);
    if (!seed.is_none()) env_->seed(seed_value(env_->spec().name, seed));
    env_->reset();
    return py::make_tuple(observation(), py::dict());
  }

  py::tuple step(int action) {
    const env::StepResult r = env_->step(action);
    return py::make_tuple(observation(), py::float_(r.reward), py::bool_(r.terminated),
                          py::bool_(r.truncated), py::dict());
  }

  py::array_t<float> observation() const {
    py::array_t<float> obs(shape_);
    env_->observe({obs.mutable_data(), static_cast<size_t>(obs.size())});
    return obs;
  }

  std::string render() const { return env_->render(); }

  py::tuple reset_to(const py::array_t<double, py::array::c_style | py::array::forcecast>& state,
                     int elapsed_steps) {
    classic("reset_to").reset_to({state.data(), static_cast<size_t>(state.size())}, elapsed_steps);
    return py::make_tuple(observation(), py::dict());
  }

  // The internal state: classic control's float64 vector, a tabular state's number, MinAtar's
  // 10 x 10 x C boolean grid (what MinAtar's Environment.state() returns).
  py::object state() const {
    if (auto* c = dynamic_cast<const env::ClassicControlEnv*>(env_.get())) {
      const auto s = c->state();
      py::array_t<double> out(static_cast<py::ssize_t>(s.size()));
      std::copy(s.begin(), s.end(), out.mutable_data());
      return out;
    }
    if (auto* t = dynamic_cast<const env::TabularEnv*>(env_.get())) return py::int_(t->state());
    auto* m = dynamic_cast<const env::MinAtarEnv*>(env_.get());
    VALOR_CHECK(m != nullptr, "an environment of no known family");
    py::array_t<bool> grid({env::kMinAtarSize, env::kMinAtarSize, m->channels()});
    static_assert(sizeof(bool) == sizeof(uint8_t));
    m->observe_grid(
        {reinterpret_cast<uint8_t*>(grid.mutable_data()), static_cast<size_t>(grid.size())});
    return grid;
  }

  int elapsed_steps() const { return classic("elapsed_steps").elapsed_steps(); }

 private:
  env::ClassicControlEnv& classic(const char* what) const {
    auto* c = dynamic_cast<env::ClassicControlEnv*>(env_.get());
    if (c == nullptr) {
      fail("{}: {} is offered by the classic-control environments only ({})", env_->spec().name,
           what, fmt::format("{}", fmt::join(env::classic_control_names(), ", ")));
    }
    return *c;
  }

  std::unique_ptr<env::Env> env_;
  std::string family_;
  std::vector<py::ssize_t> shape_;
};

// A batch stepped in one call (VectorEnv), Gymnasium 0.29's vector contract with auto-reset.
class PyVectorEnv {
 public:
  PyVectorEnv(const std::string& name, size_t num_envs, int threads, const py::dict& options,
              bool copy, const py::object& seed)
      : copy_(copy) {
    if (!seed.is_none()) seed_ = seed_value(name, seed);
    if (num_envs < 1) fail("{}: num_envs must be >= 1, got {}", name, num_envs);
    const env::EnvOptions o = env_options(name, options);
    std::vector<std::unique_ptr<env::Env>> envs;
    for (size_t i = 0; i < num_envs; ++i) envs.push_back(env::make_env(name, o));
    vec_ = std::make_unique<env::VectorEnv>(std::move(envs), threads);
    family_ = family_of(vec_->spec().name);
    shape_ = obs_shape(vec_->spec(), num_envs);
    single_shape_ = obs_shape(vec_->spec());
    actions_.assign(num_envs, 0);
  }

  size_t num_envs() const { return vec_->size(); }
  int threads() const { return vec_->threads(); }
  py::dict spec() const { return spec_dict(vec_->spec(), family_); }

  py::tuple reset(const py::object& self, const py::object& seed, const py::object& options) {
    check_reset_options(vec_->spec().name, options);
    if (seed.is_none()) {
      if (started_) {
        vec_->reset();
      } else {
        vec_->seed_and_reset(seed_.value_or(0));
      }
    } else if (!py::isinstance<py::sequence>(seed) && !py::isinstance<py::array>(seed)) {
      vec_->seed_and_reset(seed_value(vec_->spec().name, seed));
    } else {
      const auto seeds = py::reinterpret_borrow<py::sequence>(seed);
      if (seeds.size() != num_envs()) {
        fail("{}: reset got {} seeds for {} environments", vec_->spec().name, seeds.size(),
             num_envs());
      }
      std::vector<uint64_t> values;
      for (const auto& s : seeds) values.push_back(seed_value(vec_->spec().name, s));
      for (size_t i = 0; i < values.size(); ++i) vec_->seed_and_reset_one(i, values[i]);
    }
    started_ = true;
    return py::make_tuple(observations(self), py::dict());
  }

  py::tuple step(const py::object& self, const py::handle& actions) {
    if (!started_) fail("{}: step() before reset(); call reset() first", vec_->spec().name);
    read_actions(actions);
    {
      py::gil_scoped_release release;
      vec_->step(actions_);
    }
    const size_t n = num_envs();
    py::array_t<double> rewards(static_cast<py::ssize_t>(n));
    std::copy(vec_->rewards().begin(), vec_->rewards().end(), rewards.mutable_data());
    py::array_t<bool> terminated(static_cast<py::ssize_t>(n)),
        truncated(static_cast<py::ssize_t>(n));
    std::memcpy(terminated.mutable_data(), vec_->terminated().data(), n);
    std::memcpy(truncated.mutable_data(), vec_->truncated().data(), n);
    return py::make_tuple(observations(self), rewards, terminated, truncated, infos());
  }

 private:
  // Fresh arrays (copy), or a read-only view of the batch's buffer that the next step overwrites.
  py::array observations(const py::object& self) const {
    const auto obs = vec_->observations();
    if (copy_) {
      py::array_t<float> out(shape_);
      std::memcpy(out.mutable_data(), obs.data(), obs.size() * sizeof(float));
      return out;
    }
    py::array_t<float> view(shape_, obs.data(), self);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return view;
  }

  void read_actions(const py::handle& actions) {
    const std::string& name = vec_->spec().name;
    py::array a = py::array::ensure(actions);
    if (!a) fail("{}: actions must be an array of {} integers", name, num_envs());
    const char kind = a.dtype().kind();
    if (kind != 'i' && kind != 'u') {
      fail("{}: actions must be integers, got an array of dtype {}", name,
           py::str(a.dtype()).cast<std::string>());
    }
    if (a.ndim() != 1 || static_cast<size_t>(a.shape(0)) != num_envs()) {
      fail("{}: step needs {} actions (one per environment), got an array of shape {}", name,
           num_envs(), shape_text(a));
    }
    const auto ints = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(a);
    const int64_t* data = ints.data();
    const int num_actions = vec_->spec().num_actions;
    for (size_t i = 0; i < actions_.size(); ++i) {
      if (data[i] < 0 || data[i] >= num_actions) {
        fail("{}: action {} for environment {} out of range; accepted: 0..{}", name, data[i], i,
             num_actions - 1);
      }
      actions_[i] = static_cast<int32_t>(data[i]);
    }
  }

  // {} when no episode ended; else Gymnasium 0.29's final_observation / final_info (object
  // arrays, None where no episode ended, with their _ masks) and RecordEpisodeStatistics'
  // episode {"r", "l"} with its mask.
  py::dict infos() const {
    py::dict out;
    const size_t n = num_envs();
    const auto terminated = vec_->terminated(), truncated = vec_->truncated();
    size_t ended = 0;
    for (size_t i = 0; i < n; ++i) ended += terminated[i] | truncated[i];
    if (ended == 0) return out;
    // Object arrays: NumPy zero-fills them (null references), and every entry is set below. The
    // dtype is made once and kept for the life of the process.
    static const py::dtype* object_dtype = new py::dtype("O");
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
    py::array final_obs(*object_dtype, shape), final_info(*object_dtype, shape);
    py::array_t<bool> mask(static_cast<py::ssize_t>(n));
    py::array_t<double> returns(static_cast<py::ssize_t>(n));
    py::array_t<int64_t> lengths(static_cast<py::ssize_t>(n));
    auto** obs_items = static_cast<PyObject**>(final_obs.mutable_data());
    auto** info_items = static_cast<PyObject**>(final_info.mutable_data());
    const size_t d = vec_->obs_size();
    const float* final_data = vec_->final_observations().data();
    for (size_t i = 0; i < n; ++i) {
      const bool done = terminated[i] | truncated[i];
      mask.mutable_data()[i] = done;
      returns.mutable_data()[i] = vec_->episode_returns()[i];
      lengths.mutable_data()[i] = vec_->episode_lengths()[i];
      py::object obs = py::none(), info = py::none();
      if (done) {
        py::array_t<float> o(single_shape_);
        std::memcpy(o.mutable_data(), final_data + i * d, d * sizeof(float));
        obs = std::move(o);
        py::dict episode;
        episode["r"] = py::float_(vec_->episode_returns()[i]);
        episode["l"] = py::int_(vec_->episode_lengths()[i]);
        py::dict one;
        one["episode"] = episode;
        info = std::move(one);
      }
      Py_XDECREF(obs_items[i]);
      obs_items[i] = obs.release().ptr();
      Py_XDECREF(info_items[i]);
      info_items[i] = info.release().ptr();
    }
    out["final_observation"] = final_obs;
    out["_final_observation"] = mask;
    out["final_info"] = final_info;
    out["_final_info"] = mask;
    py::dict episode;
    episode["r"] = returns;
    episode["l"] = lengths;
    out["episode"] = episode;
    out["_episode"] = mask;
    return out;
  }

  std::unique_ptr<env::VectorEnv> vec_;
  std::string family_;
  std::vector<py::ssize_t> shape_, single_shape_;
  std::vector<int32_t> actions_;
  bool copy_ = true;
  std::optional<uint64_t> seed_;
  bool started_ = false;
};

}  // namespace

void bind_env(py::module_& m) {
  m.def(
      "list_envs",
      [] {
        py::list out;
        for (const auto& info : env::list_envs()) {
          out.append(py::make_tuple(info.name, info.family));
        }
        return out;
      },
      "Every registered environment as (name, family).");

  py::class_<PyEnv>(m, "Env")
      .def(py::init<const std::string&, const py::dict&>(), "name"_a, "options"_a = py::dict())
      .def_property_readonly("_spec", &PyEnv::spec)
      .def("reset", &PyEnv::reset, py::kw_only(), "seed"_a = py::none(), "options"_a = py::none())
      .def("step", &PyEnv::step, "action"_a)
      .def("render", &PyEnv::render)
      .def("reset_to", &PyEnv::reset_to, "state"_a, "elapsed_steps"_a = 0)
      .def_property_readonly("state", &PyEnv::state)
      .def_property_readonly("elapsed_steps", &PyEnv::elapsed_steps);

  py::class_<PyVectorEnv>(m, "VectorEnv")
      .def(py::init<const std::string&, size_t, int, const py::dict&, bool, const py::object&>(),
           "name"_a, "num_envs"_a, "threads"_a = 1, "options"_a = py::dict(), "copy"_a = true,
           "seed"_a = py::none())
      .def_property_readonly("num_envs", &PyVectorEnv::num_envs)
      .def_property_readonly("threads", &PyVectorEnv::threads)
      .def_property_readonly("_spec", &PyVectorEnv::spec)
      .def(
          "reset",
          [](py::object self, const py::object& seed, const py::object& options) {
            return self.cast<PyVectorEnv&>().reset(self, seed, options);
          },
          py::kw_only(), "seed"_a = py::none(), "options"_a = py::none())
      .def(
          "step",
          [](py::object self, const py::handle& actions) {
            return self.cast<PyVectorEnv&>().step(self, actions);
          },
          "actions"_a);
}

}  // namespace valor::python
