// Environments for Python: one environment (Env) and a batch (VectorEnv) with Gymnasium's
// reset/step contract; python/valor/envs.py adds the spaces. Observations are float32 arrays of
// the spec's shape, written by the environment straight into the NumPy array returned, or with
// obs_dtype "uint8" / "bool" (environments whose observations are 0/1) the same values one byte
// each, written without any float (Env::observe_bytes, VectorEnv's ObsFormat::kBytes).
#include <algorithm>
#include <array>
#include <climits>
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

// NumPy arrays made with the C API (what py::array's constructors end in, without their shape
// and stride vectors): a new array of `descr` (borrowed) and shape dims[0..nd).
PyObject* new_array(const py::dtype& descr, int nd, const Py_intptr_t* dims) {
  const auto& api = py::detail::npy_api::get();
  Py_INCREF(descr.ptr());  // NewFromDescr steals it
  return api.PyArray_NewFromDescr_(api.PyArray_Type_, descr.ptr(), nd, dims, nullptr, nullptr, 0,
                                   nullptr);
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

  // (obs, reward, terminated, truncated, info), a new reference; throws on a mistake. Called by
  // env_step below (METH_FASTCALL: pybind11's dispatch was a third of a step from Python).
  PyObject* step(int action) {
    const env::StepResult r = env_->step(action);
    py::object obs = observation();
    auto reward = py::reinterpret_steal<py::object>(PyFloat_FromDouble(r.reward));
    auto info = py::reinterpret_steal<py::object>(PyDict_New());
    if (!reward || !info) throw py::error_already_set();
    PyObject* out = PyTuple_New(5);
    if (out == nullptr) throw py::error_already_set();
    PyTuple_SET_ITEM(out, 0, obs.release().ptr());
    PyTuple_SET_ITEM(out, 1, reward.release().ptr());
    PyTuple_SET_ITEM(out, 2, py::bool_(r.terminated).release().ptr());
    PyTuple_SET_ITEM(out, 3, py::bool_(r.truncated).release().ptr());
    PyTuple_SET_ITEM(out, 4, info.release().ptr());
    return out;
  }

  py::array observation() const {
    auto obs = py::reinterpret_steal<py::array>(
        new_array(numpy_dtype_, static_cast<int>(shape_.size()),
                  reinterpret_cast<const Py_intptr_t*>(shape_.data())));
    if (!obs) throw py::error_already_set();
    const size_t size = env_->spec().obs_size();
    void* data = py::detail::array_proxy(obs.ptr())->data;
    if (dtype_ == ObsDtype::kFloat32) {
      env_->observe({static_cast<float*>(data), size});
    } else {
      env_->observe_bytes({static_cast<uint8_t*>(data), size});
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

// "same_step" (Gymnasium 0.29) or "next_step" (Gymnasium 1.x), and Gymnasium 1.x's own
// spellings of them (AutoresetMode's values).
env::AutoresetMode autoreset_mode(const std::string& name, const std::string& mode) {
  if (mode == "same_step" || mode == "SameStep") return env::AutoresetMode::kSameStep;
  if (mode == "next_step" || mode == "NextStep") return env::AutoresetMode::kNextStep;
  fail("{}: autoreset_mode '{}' is not offered; accepted: same_step, next_step", name, mode);
}

// A batch stepped in one call (VectorEnv), Gymnasium's vector contract with auto-reset: 0.29's
// same-step (the default) or 1.x's next-step. step() is a METH_FASTCALL method (vector_step
// below): one batch step from Python is a few microseconds, of which pybind11's dispatch and
// the arrays' construction through py::array took a measurable part (docs/python.md, Speed).
class PyVectorEnv {
 public:
  PyVectorEnv(const std::string& name, size_t num_envs, int threads, const py::dict& options,
              bool copy, const py::object& seed, const std::string& dtype,
              const std::string& autoreset)
      : copy_(copy) {
    if (!seed.is_none()) seed_ = seed_value(name, seed);
    if (num_envs < 1) fail("{}: num_envs must be >= 1, got {}", name, num_envs);
    const env::AutoresetMode mode = autoreset_mode(name, autoreset);
    const env::EnvOptions o = env_options(name, options);
    std::vector<std::unique_ptr<env::Env>> envs;
    for (size_t i = 0; i < num_envs; ++i) envs.push_back(env::make_env(name, o));
    dtype_ = obs_dtype(envs.front()->spec().name, dtype, *envs.front());
    numpy_dtype_ = numpy_dtype(dtype_);
    vec_ = std::make_shared<env::VectorEnv>(
        std::move(envs), threads,
        dtype_ == ObsDtype::kFloat32 ? env::ObsFormat::kFloat : env::ObsFormat::kBytes, mode);
    family_ = family_of(vec_->spec().name);
    shape_ = obs_shape(vec_->spec(), num_envs);
    single_shape_ = obs_shape(vec_->spec());
    actions_.assign(num_envs, 0);
    float64_ = py::dtype::of<double>();
    bool_ = py::dtype::of<bool>();
    int64_ = py::dtype::of<int64_t>();
    if (!copy_) {
      // One read-only view of the batch's buffer, returned by every reset() and step(): its
      // base owns the VectorEnv too, so the view outlives this object safely.
      auto* keep = new std::shared_ptr<env::VectorEnv>(vec_);
      py::capsule owner(keep,
                        [](void* p) { delete static_cast<std::shared_ptr<env::VectorEnv>*>(p); });
      py::array view(numpy_dtype_, shape_, obs_data(), owner);
      py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
      view_ = view;
    }
  }

  size_t num_envs() const { return vec_->size(); }
  int threads() const { return vec_->threads(); }
  py::dict spec() const { return spec_dict(vec_->spec(), family_); }
  std::string autoreset() const {
    return vec_->autoreset_mode() == env::AutoresetMode::kNextStep ? "next_step" : "same_step";
  }

  py::tuple reset(const py::object& seed, const py::object& options) {
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
    return py::make_tuple(py::reinterpret_steal<py::object>(observations()), py::dict());
  }

  // (obs, rewards, terminated, truncated, info), a new reference; throws on a mistake.
  PyObject* step(PyObject* actions) {
    if (!started_) fail("{}: step() before reset(); call reset() first", vec_->spec().name);
    read_actions(actions);
    {
      // The GIL is released during the step (PyEval_SaveThread directly: no pybind11 internals).
      struct Release {
        PyThreadState* state = PyEval_SaveThread();
        ~Release() { PyEval_RestoreThread(state); }
      } release;
      vec_->step(actions_);
    }
    const size_t n = num_envs();
    const Py_intptr_t dims[1] = {static_cast<Py_intptr_t>(n)};
    auto obs = py::reinterpret_steal<py::object>(observations());
    auto rewards = py::reinterpret_steal<py::object>(new_array(float64_, 1, dims));
    auto terminated = py::reinterpret_steal<py::object>(new_array(bool_, 1, dims));
    auto truncated = py::reinterpret_steal<py::object>(new_array(bool_, 1, dims));
    if (!obs || !rewards || !terminated || !truncated) throw py::error_already_set();
    auto* r = reinterpret_cast<double*>(py::detail::array_proxy(rewards.ptr())->data);
    const auto step_rewards = vec_->rewards();
    for (size_t i = 0; i < n; ++i) r[i] = step_rewards[i];
    std::memcpy(py::detail::array_proxy(terminated.ptr())->data, vec_->terminated().data(), n);
    std::memcpy(py::detail::array_proxy(truncated.ptr())->data, vec_->truncated().data(), n);
    py::object info = vec_->autoreset_mode() == env::AutoresetMode::kNextStep ? episode_infos()
                                                                              : same_step_infos();
    PyObject* out = PyTuple_New(5);
    if (out == nullptr) throw py::error_already_set();
    PyTuple_SET_ITEM(out, 0, obs.release().ptr());
    PyTuple_SET_ITEM(out, 1, rewards.release().ptr());
    PyTuple_SET_ITEM(out, 2, terminated.release().ptr());
    PyTuple_SET_ITEM(out, 3, truncated.release().ptr());
    PyTuple_SET_ITEM(out, 4, info.release().ptr());
    return out;
  }

 private:
  const void* obs_data() const {
    return dtype_ == ObsDtype::kFloat32
               ? static_cast<const void*>(vec_->observations().data())
               : static_cast<const void*>(vec_->observation_bytes().data());
  }

  // A fresh array (copy), or the read-only view of the batch's buffer that the next step
  // overwrites (the same object every time); a new reference, null with a Python error set.
  PyObject* observations() const {
    if (!copy_) return view_.inc_ref().ptr();
    PyObject* out = new_array(numpy_dtype_, static_cast<int>(shape_.size()),
                              reinterpret_cast<const Py_intptr_t*>(shape_.data()));
    if (out != nullptr) {
      auto* proxy = py::detail::array_proxy(out);
      size_t bytes = vec_->size() * vec_->obs_size() * (dtype_ == ObsDtype::kFloat32 ? 4 : 1);
      std::memcpy(proxy->data, obs_data(), bytes);
    }
    return out;
  }

  void read_actions(PyObject* actions) {
    // The common case, an aligned, contiguous, native int64 array of the right shape (what
    // action_space.sample() and NumPy's integer generators give), is read in place.
    const auto& api = py::detail::npy_api::get();
    if (api.PyArray_Check_(actions)) {
      const auto* a = py::detail::array_proxy(actions);
      const auto* d = py::detail::array_descriptor_proxy(a->descr);
      constexpr int kContiguousAligned =
          py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | py::detail::npy_api::NPY_ARRAY_ALIGNED_;
      if (a->nd == 1 && static_cast<size_t>(a->dimensions[0]) == num_envs() && d->kind == 'i' &&
          d->elsize == 8 && (d->byteorder == '=' || d->byteorder == '<') &&
          (a->flags & kContiguousAligned) == kContiguousAligned) {
        copy_actions(reinterpret_cast<const int64_t*>(a->data));
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
    const int64_t num_actions = vec_->spec().num_actions;
    bool in_range = true;
    for (size_t i = 0; i < actions_.size(); ++i) {
      in_range &= data[i] >= 0 && data[i] < num_actions;
      actions_[i] = static_cast<int32_t>(data[i]);
    }
    if (in_range) return;
    for (size_t i = 0; i < actions_.size(); ++i) {
      if (data[i] < 0 || data[i] >= num_actions) {
        fail("{}: action {} for environment {} out of range; accepted: 0..{}", vec_->spec().name,
             data[i], i, num_actions - 1);
      }
    }
  }

  size_t episodes_ended() const {
    const auto terminated = vec_->terminated(), truncated = vec_->truncated();
    size_t ended = 0;
    for (size_t i = 0; i < terminated.size(); ++i) ended += terminated[i] | truncated[i];
    return ended;
  }

  // The keys of the info dicts, made once (kept for the life of the process).
  struct Keys {
    py::str final_obs{"final_observation"}, final_obs_mask{"_final_observation"},
        final_info{"final_info"}, final_info_mask{"_final_info"}, episode{"episode"},
        episode_mask{"_episode"}, r{"r"}, l{"l"};
  };
  static const Keys& keys() {
    static const auto* k = new Keys();
    return *k;
  }

  // The episodes that ended on this step: {"r": returns, "l": lengths} (0 elsewhere) and the
  // mask, as RecordEpisodeStatistics gives them; `mask` and `episode` are set.
  void episode_arrays(py::object& mask, py::object& episode) const {
    const size_t n = num_envs();
    const Py_intptr_t dims[1] = {static_cast<Py_intptr_t>(n)};
    mask = py::reinterpret_steal<py::object>(new_array(bool_, 1, dims));
    auto returns = py::reinterpret_steal<py::object>(new_array(float64_, 1, dims));
    auto lengths = py::reinterpret_steal<py::object>(new_array(int64_, 1, dims));
    if (!mask || !returns || !lengths) throw py::error_already_set();
    auto* m = reinterpret_cast<bool*>(py::detail::array_proxy(mask.ptr())->data);
    const auto terminated = vec_->terminated(), truncated = vec_->truncated();
    for (size_t i = 0; i < n; ++i) m[i] = (terminated[i] | truncated[i]) != 0;
    std::memcpy(py::detail::array_proxy(returns.ptr())->data, vec_->episode_returns().data(),
                n * sizeof(double));
    std::memcpy(py::detail::array_proxy(lengths.ptr())->data, vec_->episode_lengths().data(),
                n * sizeof(int64_t));
    py::dict e;
    e[keys().r] = returns;
    e[keys().l] = lengths;
    episode = std::move(e);
  }

  // next_step: {} when no episode ended, else "episode" and "_episode" only.
  py::object episode_infos() const {
    if (episodes_ended() == 0) return py::reinterpret_steal<py::object>(PyDict_New());
    py::object mask, episode;
    episode_arrays(mask, episode);
    py::dict out;
    out[keys().episode] = episode;
    out[keys().episode_mask] = mask;
    return out;
  }

  // same_step: {} when no episode ended; else Gymnasium 0.29's final_observation / final_info
  // (object arrays, None where no episode ended, with their _ masks) and RecordEpisodeStatistics'
  // episode {"r", "l"} with its mask.
  py::object same_step_infos() const {
    if (episodes_ended() == 0) return py::reinterpret_steal<py::object>(PyDict_New());
    const Keys& k = keys();
    const size_t n = num_envs();
    // Random play ends an episode in several of 64 MinAtar environments at most steps, so this
    // runs often: each finished environment's entries are built with the C API directly.
    static const py::dtype* object_dtype = new py::dtype("O");
    const Py_intptr_t dims[1] = {static_cast<Py_intptr_t>(n)};
    // Object arrays: NumPy zero-fills them (null references); every entry is set below.
    auto final_obs = py::reinterpret_steal<py::object>(new_array(*object_dtype, 1, dims));
    auto final_info = py::reinterpret_steal<py::object>(new_array(*object_dtype, 1, dims));
    if (!final_obs || !final_info) throw py::error_already_set();
    py::object mask, episode;
    episode_arrays(mask, episode);
    auto** obs_items = reinterpret_cast<PyObject**>(py::detail::array_proxy(final_obs.ptr())->data);
    auto** info_items =
        reinterpret_cast<PyObject**>(py::detail::array_proxy(final_info.ptr())->data);
    const size_t d = vec_->obs_size();
    const bool floats = dtype_ == ObsDtype::kFloat32;
    const size_t row_bytes = d * (floats ? sizeof(float) : 1);
    const auto* final_data =
        floats ? reinterpret_cast<const uint8_t*>(vec_->final_observations().data())
               : vec_->final_observation_bytes().data();
    const auto episode_returns = vec_->episode_returns();
    const auto episode_lengths = vec_->episode_lengths();
    const auto terminated = vec_->terminated(), truncated = vec_->truncated();
    for (size_t i = 0; i < n; ++i) {
      if (!(terminated[i] | truncated[i])) {
        Py_INCREF(Py_None);
        obs_items[i] = Py_None;
        Py_INCREF(Py_None);
        info_items[i] = Py_None;
        continue;
      }
      auto o = py::reinterpret_steal<py::object>(
          new_array(numpy_dtype_, static_cast<int>(single_shape_.size()),
                    reinterpret_cast<const Py_intptr_t*>(single_shape_.data())));
      if (!o) throw py::error_already_set();
      std::memcpy(py::detail::array_proxy(o.ptr())->data, final_data + i * row_bytes, row_bytes);
      auto one_episode = py::reinterpret_steal<py::object>(PyDict_New());
      auto r = py::reinterpret_steal<py::object>(PyFloat_FromDouble(episode_returns[i]));
      auto l = py::reinterpret_steal<py::object>(PyLong_FromLongLong(episode_lengths[i]));
      auto one = py::reinterpret_steal<py::object>(PyDict_New());
      if (!one_episode || !r || !l || !one ||
          PyDict_SetItem(one_episode.ptr(), k.r.ptr(), r.ptr()) ||
          PyDict_SetItem(one_episode.ptr(), k.l.ptr(), l.ptr()) ||
          PyDict_SetItem(one.ptr(), k.episode.ptr(), one_episode.ptr())) {
        throw py::error_already_set();
      }
      obs_items[i] = o.release().ptr();
      info_items[i] = one.release().ptr();
    }
    py::dict out;
    out[k.final_obs] = final_obs;
    out[k.final_obs_mask] = mask;
    out[k.final_info] = final_info;
    out[k.final_info_mask] = mask;
    out[k.episode] = episode;
    out[k.episode_mask] = mask;
    return out;
  }

  std::shared_ptr<env::VectorEnv> vec_;
  std::string family_;
  std::vector<py::ssize_t> shape_, single_shape_;
  std::vector<int32_t> actions_;
  ObsDtype dtype_ = ObsDtype::kFloat32;
  py::dtype numpy_dtype_, float64_, bool_, int64_;
  py::object view_;  // copy=False: the observations' view
  bool copy_ = true;
  std::optional<uint64_t> seed_;
  bool started_ = false;
};

// The C++ object of `self`, an instance of a bound class or of a Python subclass (the method
// descriptor checks that), one C++ object per instance: pybind11's first value slot, without
// cast<>'s type lookup. Null with a TypeError set when __init__ did not build it.
template <typename T>
T* bound_object(PyObject* self) {
  void* value = reinterpret_cast<py::detail::instance*>(self)->get_value_and_holder().value_ptr();
  if (value == nullptr) PyErr_SetString(PyExc_TypeError, "step: the object was not initialised");
  return static_cast<T*>(value);
}

// The C++ exception being handled, as pybind11's bound functions report it (valor::Error ->
// valor.Error through the module's translator).
void set_python_error() {
  try {
    throw;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    if (!py::detail::apply_exception_translators(
            py::detail::get_local_internals().registered_exception_translators) &&
        !py::detail::apply_exception_translators(
            py::detail::get_internals().registered_exception_translators)) {
      PyErr_SetString(PyExc_SystemError, "valor: an unknown C++ exception in step");
    }
  }
}

// The one argument of step(x) / step(name=x) in a METH_FASTCALL | METH_KEYWORDS call; null with
// a TypeError set otherwise.
PyObject* only_argument(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                        const char* name) {
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  if (nargs + nkw != 1 ||
      (nkw == 1 && PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, 0), name) != 0)) {
    PyErr_Format(PyExc_TypeError, "step() takes one argument, %s", name);
    return nullptr;
  }
  return args[0];
}

// Env.step(action): an int or any object with __index__ (NumPy integers), as pybind11's int
// conversion takes them (a float is a TypeError).
PyObject* env_step(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* arg = only_argument(args, nargs, kwnames, "action");
  if (arg == nullptr) return nullptr;
  PyEnv* single = bound_object<PyEnv>(self);
  if (single == nullptr) return nullptr;
  if (PyFloat_Check(arg) || !PyIndex_Check(arg)) {
    PyErr_Format(PyExc_TypeError, "step(): action must be an integer, got %.100s",
                 Py_TYPE(arg)->tp_name);
    return nullptr;
  }
  const long action = PyLong_Check(arg) ? PyLong_AsLong(arg) : [arg] {
    PyObject* index = PyNumber_Index(arg);
    const long value = index == nullptr ? -1 : PyLong_AsLong(index);
    Py_XDECREF(index);
    return value;
  }();
  if (action == -1 && PyErr_Occurred()) return nullptr;
  if (action < INT_MIN || action > INT_MAX) {
    PyErr_SetString(PyExc_OverflowError, "step(): action out of the range of int");
    return nullptr;
  }
  try {
    return single->step(static_cast<int>(action));
  } catch (...) {
    set_python_error();
  }
  return nullptr;
}

// VectorEnv.step(actions) as a METH_FASTCALL method, its C++ exceptions reported as by any bound
// function (set_python_error).
PyObject* vector_step(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* actions = only_argument(args, nargs, kwnames, "actions");
  if (actions == nullptr) return nullptr;
  PyVectorEnv* vec = bound_object<PyVectorEnv>(self);
  if (vec == nullptr) return nullptr;
  try {
    return vec->step(actions);
  } catch (...) {
    set_python_error();
  }
  return nullptr;
}

// Installs `function` as the METH_FASTCALL | METH_KEYWORDS method `name` of the bound class.
void add_fast_method(const py::object& cls, PyMethodDef* def) {
  auto method = py::reinterpret_steal<py::object>(
      PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def));
  if (!method) throw py::error_already_set();
  cls.attr(def->ml_name) = method;
}

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

  py::class_<PyEnv> single(m, "Env");
  single
      .def(py::init<const std::string&, const py::dict&, const std::string&>(), "name"_a,
           "options"_a = py::dict(), "obs_dtype"_a = "float32")
      .def_property_readonly("_spec", &PyEnv::spec)
      .def("reset", &PyEnv::reset, py::kw_only(), "seed"_a = py::none(), "options"_a = py::none())
      .def("render", &PyEnv::render)
      .def("reset_to", &PyEnv::reset_to, "state"_a, "elapsed_steps"_a = 0)
      .def_property_readonly("state", &PyEnv::state)
      .def_property_readonly("elapsed_steps", &PyEnv::elapsed_steps);

  py::class_<PyVectorEnv> vector(m, "VectorEnv");
  vector
      .def(py::init<const std::string&, size_t, int, const py::dict&, bool, const py::object&,
                    const std::string&, const std::string&>(),
           "name"_a, "num_envs"_a, "threads"_a = 1, "options"_a = py::dict(), "copy"_a = true,
           "seed"_a = py::none(), "obs_dtype"_a = "float32", "autoreset_mode"_a = "same_step")
      .def_property_readonly("num_envs", &PyVectorEnv::num_envs)
      .def_property_readonly("threads", &PyVectorEnv::threads)
      .def_property_readonly("autoreset_mode", &PyVectorEnv::autoreset)
      .def_property_readonly("_spec", &PyVectorEnv::spec)
      .def("reset", &PyVectorEnv::reset, py::kw_only(), "seed"_a = py::none(),
           "options"_a = py::none());
  static PyMethodDef env_step_def = {
      "step", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&env_step)),
      METH_FASTCALL | METH_KEYWORDS, "step(action) -> (obs, reward, terminated, truncated, info)"};
  static PyMethodDef vector_step_def = {
      "step", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&vector_step)),
      METH_FASTCALL | METH_KEYWORDS,
      "step(actions) -> (obs, rewards, terminated, truncated, info)"};
  add_fast_method(single, &env_step_def);
  add_fast_method(vector, &vector_step_def);
}

}  // namespace valor::python
