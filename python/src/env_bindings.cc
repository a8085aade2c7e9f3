// Environments for Python: one environment (Env) and a batch (VectorEnv) with Gymnasium's
// reset/step contract; python/valor/envs.py adds the spaces. Observations are float32 arrays of
// the spec's shape, written by the environment straight into the NumPy array returned, or with
// obs_dtype "uint8" / "bool" (environments whose observations are 0/1) the same values one byte
// each, written without any float (Env::observe_bytes, VectorEnv's ObsFormat::kBytes).
#include <algorithm>
#include <array>
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

// The dtype of the observations handed to Python: float32 (the default), or the same 0/1 values
// as uint8 or bool (one byte each; NumPy's bool is a byte holding 0 or 1).
enum class ObsDtype { kFloat32, kUint8, kBool };

ObsDtype obs_dtype(const std::string& name, const std::string& dtype, const env::Env& e) {
  if (dtype == "float32") return ObsDtype::kFloat32;
  if (dtype != "uint8" && dtype != "bool") {
    fail("{}: obs_dtype '{}' is not offered; accepted: float32, uint8, bool", name, dtype);
  }
  if (!e.offers_byte_obs()) {
    fail(
        "{}: obs_dtype {} needs observations that are all 0 or 1 (MinAtar, tabular); this "
        "environment's are not: use float32",
        name, dtype);
  }
  return dtype == "uint8" ? ObsDtype::kUint8 : ObsDtype::kBool;
}

py::dtype numpy_dtype(ObsDtype d) {
  switch (d) {
    case ObsDtype::kUint8:
      return py::dtype::of<uint8_t>();
    case ObsDtype::kBool:
      return py::dtype::of<bool>();
    case ObsDtype::kFloat32:
      break;
  }
  return py::dtype::of<float>();
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
  PyEnv(const std::string& name, const py::dict& options, const std::string& dtype)
      : env_(env::make_env(name, env_options(name, options))),
        family_(family_of(env_->spec().name)),
        shape_(obs_shape(env_->spec())),
        dtype_(obs_dtype(env_->spec().name, dtype, *env_)),
        numpy_dtype_(numpy_dtype(dtype_)) {}

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

  py::array observation() const {
    py::array obs(numpy_dtype_, shape_);
    if (dtype_ == ObsDtype::kFloat32) {
      env_->observe({static_cast<float*>(obs.mutable_data()), static_cast<size_t>(obs.size())});
    } else {
      env_->observe_bytes(
          {static_cast<uint8_t*>(obs.mutable_data()), static_cast<size_t>(obs.size())});
    }
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
  ObsDtype dtype_;
  py::dtype numpy_dtype_;
};

// A batch stepped in one call (VectorEnv), Gymnasium 0.29's vector contract with auto-reset.
class PyVectorEnv {
 public:
  PyVectorEnv(const std::string& name, size_t num_envs, int threads, const py::dict& options,
              bool copy, const py::object& seed, const std::string& dtype)
      : copy_(copy) {
    if (!seed.is_none()) seed_ = seed_value(name, seed);
    if (num_envs < 1) fail("{}: num_envs must be >= 1, got {}", name, num_envs);
    const env::EnvOptions o = env_options(name, options);
    std::vector<std::unique_ptr<env::Env>> envs;
    for (size_t i = 0; i < num_envs; ++i) envs.push_back(env::make_env(name, o));
    dtype_ = obs_dtype(envs.front()->spec().name, dtype, *envs.front());
    numpy_dtype_ = numpy_dtype(dtype_);
    vec_ = std::make_unique<env::VectorEnv>(
        std::move(envs), threads,
        dtype_ == ObsDtype::kFloat32 ? env::ObsFormat::kFloat : env::ObsFormat::kBytes);
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
    const void* data = dtype_ == ObsDtype::kFloat32
                           ? static_cast<const void*>(vec_->observations().data())
                           : static_cast<const void*>(vec_->observation_bytes().data());
    if (copy_) {
      py::array out(numpy_dtype_, shape_);
      std::memcpy(out.mutable_data(), data, static_cast<size_t>(out.nbytes()));
      return out;
    }
    py::array view(numpy_dtype_, shape_, data, self);
    py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return view;
  }

  void read_actions(const py::handle& actions) {
    // The common case, an int64 array of the right shape (what action_space.sample() and
    // NumPy's integer generators give), is read in place.
    if (py::array_t<int64_t, py::array::c_style>::check_(actions)) {
      const auto a = py::reinterpret_borrow<py::array>(actions);
      if (a.ndim() == 1 && static_cast<size_t>(a.shape(0)) == num_envs()) {
        copy_actions(static_cast<const int64_t*>(a.data()));
        return;
      }
    }
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
    copy_actions(ints.data());
  }

  void copy_actions(const int64_t* data) {
    const int num_actions = vec_->spec().num_actions;
    for (size_t i = 0; i < actions_.size(); ++i) {
      if (data[i] < 0 || data[i] >= num_actions) {
        fail("{}: action {} for environment {} out of range; accepted: 0..{}", vec_->spec().name,
             data[i], i, num_actions - 1);
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
    // Random play ends an episode in several of 64 MinAtar environments at most steps, so this
    // runs often: the keys and the object dtype are made once (kept for the life of the
    // process), and each finished environment's entries are built with the C API directly.
    static const auto* keys = new std::array<py::str, 8>{py::str("final_observation"),
                                                         py::str("_final_observation"),
                                                         py::str("final_info"),
                                                         py::str("_final_info"),
                                                         py::str("episode"),
                                                         py::str("_episode"),
                                                         py::str("r"),
                                                         py::str("l")};
    const auto& [k_final_obs, k_final_obs_mask, k_final_info, k_final_info_mask, k_episode,
                 k_episode_mask, k_r, k_l] = *keys;
    static const py::dtype* object_dtype = new py::dtype("O");
    const std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
    // Object arrays: NumPy zero-fills them (null references); every entry is set below.
    py::array final_obs(*object_dtype, shape), final_info(*object_dtype, shape);
    py::array_t<bool> mask(static_cast<py::ssize_t>(n));
    py::array_t<double> returns(static_cast<py::ssize_t>(n));
    py::array_t<int64_t> lengths(static_cast<py::ssize_t>(n));
    auto** obs_items = static_cast<PyObject**>(final_obs.mutable_data());
    auto** info_items = static_cast<PyObject**>(final_info.mutable_data());
    const size_t d = vec_->obs_size();
    const bool floats = dtype_ == ObsDtype::kFloat32;
    const size_t row_bytes = d * (floats ? sizeof(float) : 1);
    const auto* final_data =
        floats ? reinterpret_cast<const uint8_t*>(vec_->final_observations().data())
               : vec_->final_observation_bytes().data();
    const auto episode_returns = vec_->episode_returns();
    const auto episode_lengths = vec_->episode_lengths();
    for (size_t i = 0; i < n; ++i) {
      const bool done = terminated[i] | truncated[i];
      mask.mutable_data()[i] = done;
      returns.mutable_data()[i] = episode_returns[i];
      lengths.mutable_data()[i] = episode_lengths[i];
      if (!done) {
        Py_INCREF(Py_None);
        obs_items[i] = Py_None;
        Py_INCREF(Py_None);
        info_items[i] = Py_None;
        continue;
      }
      py::array o(numpy_dtype_, single_shape_);
      std::memcpy(o.mutable_data(), final_data + i * row_bytes, row_bytes);
      auto episode = py::reinterpret_steal<py::object>(PyDict_New());
      auto r = py::reinterpret_steal<py::object>(PyFloat_FromDouble(episode_returns[i]));
      auto l = py::reinterpret_steal<py::object>(PyLong_FromLongLong(episode_lengths[i]));
      auto one = py::reinterpret_steal<py::object>(PyDict_New());
      if (!episode || !r || !l || !one || PyDict_SetItem(episode.ptr(), k_r.ptr(), r.ptr()) ||
          PyDict_SetItem(episode.ptr(), k_l.ptr(), l.ptr()) ||
          PyDict_SetItem(one.ptr(), k_episode.ptr(), episode.ptr())) {
        throw py::error_already_set();
      }
      obs_items[i] = o.release().ptr();
      info_items[i] = one.release().ptr();
    }
    out[k_final_obs] = final_obs;
    out[k_final_obs_mask] = mask;
    out[k_final_info] = final_info;
    out[k_final_info_mask] = mask;
    py::dict episode;
    episode[k_r] = returns;
    episode[k_l] = lengths;
    out[k_episode] = episode;
    out[k_episode_mask] = mask;
    return out;
  }

  std::unique_ptr<env::VectorEnv> vec_;
  std::string family_;
  std::vector<py::ssize_t> shape_, single_shape_;
  std::vector<int32_t> actions_;
  ObsDtype dtype_ = ObsDtype::kFloat32;
  py::dtype numpy_dtype_;
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
      .def(py::init<const std::string&, const py::dict&, const std::string&>(), "name"_a,
           "options"_a = py::dict(), "obs_dtype"_a = "float32")
      .def_property_readonly("_spec", &PyEnv::spec)
      .def("reset", &PyEnv::reset, py::kw_only(), "seed"_a = py::none(), "options"_a = py::none())
      .def("step", &PyEnv::step, "action"_a)
      .def("render", &PyEnv::render)
      .def("reset_to", &PyEnv::reset_to, "state"_a, "elapsed_steps"_a = 0)
      .def_property_readonly("state", &PyEnv::state)
      .def_property_readonly("elapsed_steps", &PyEnv::elapsed_steps);

  py::class_<PyVectorEnv>(m, "VectorEnv")
      .def(py::init<const std::string&, size_t, int, const py::dict&, bool, const py::object&,
                    const std::string&>(),
           "name"_a, "num_envs"_a, "threads"_a = 1, "options"_a = py::dict(), "copy"_a = true,
           "seed"_a = py::none(), "obs_dtype"_a = "float32")
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
