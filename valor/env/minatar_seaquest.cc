// MinAtar Seaquest (minatar/environments/seaquest.py, version 1.0.15), rule for rule: a submarine
// that shoots fish and enemy subs, rescues divers and surfaces for oxygen; the difficulty ramps up
// at every surfacing.
//
// The Python keeps its objects in lists that it walks backwards while removing from them with
// list.remove(), which drops the FIRST element equal in value, not necessarily the one being
// visited. PyList below reproduces that, and with it what CPython's reversed() iterator then does.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "valor/core/error.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

// Channels, in the Python dict's order.
constexpr int kChannels = 10;
constexpr int kSubFront = 0;
constexpr int kSubBack = 1;
constexpr int kFriendlyBullet = 2;
constexpr int kTrail = 3;
constexpr int kEnemyBullet = 4;
constexpr int kEnemyFish = 5;
constexpr int kEnemySub = 6;
constexpr int kOxygenGauge = 7;
constexpr int kDiverGauge = 8;
constexpr int kDiver = 9;

constexpr std::array<int, 6> kMinimalActions = {0, 1, 2, 3, 4, 5};  // all of n, l, u, r, d, f
constexpr int kFire = 5;
// Per action (n, l, u, r, d, f): the sub's move; whether it keeps facing the way it did (all
// but l and r), and whether it then faces right (r).
constexpr std::array<int, kMinAtarFullActions> kActionDx = {0, -1, 0, 1, 0, 0};
constexpr std::array<int, kMinAtarFullActions> kActionDy = {0, 0, -1, 0, 1, 0};
constexpr std::array<bool, kMinAtarFullActions> kActionKeepsFacing = {true,  false, true,
                                                                      false, true,  true};
constexpr std::array<bool, kMinAtarFullActions> kActionFacesRight = {false, false, false,
                                                                     true,  false, false};

constexpr int kMaxOxygen = 200;
constexpr int kInitSpawnSpeed = 20;
constexpr int kDiverSpawnSpeed = 30;
constexpr int kInitMoveInterval = 5;
constexpr int kShotCoolDown = 5;
constexpr int kEnemyShotInterval = 10;
constexpr int kDiverMoveInterval = 5;
constexpr int kMaxDivers = 6;

// Row 9 of the grid holds only the two gauges (nothing else goes below row 8): oxygen in
// columns [0, oxygen * 10 / 200), divers as state[9, 9 - diver_count:9], which is empty once the
// count is 0 or negative (see diver_count_). Built at compile time for every gauge length 0..10
// and count 0..6, so that state() copies the row instead of testing its 20 cells.
using GaugeRow = std::array<uint8_t, 10 * kChannels>;
constexpr int kOxygenLengths = 11;
constexpr int kDiverCounts = kMaxDivers + 1;
constexpr auto kGaugeRows = [] {
  std::array<std::array<GaugeRow, kDiverCounts>, kOxygenLengths> rows{};
  for (int o = 0; o < kOxygenLengths; ++o) {
    for (int d = 0; d <= kMaxDivers; ++d) {
      GaugeRow& row = rows[static_cast<size_t>(o)][static_cast<size_t>(d)];
      for (int x = 0; x < 10; ++x) {
        row[static_cast<size_t>(x * kChannels + kOxygenGauge)] = x < o;
        row[static_cast<size_t>(x * kChannels + kDiverGauge)] = x >= 9 - d && x < 9;
      }
    }
  }
  return rows;
}();

// Capacities. At most one enemy spawns per step and an enemy leaves the grid within 60 steps
// (10 moves, at most 6 steps apart); a friendly bullet lives at most 9 steps and one is fired at
// most every 5 steps; a diver spawns every 30 steps and lives under 60; a sub holds at most one
// live bullet (it fires every 11 steps, a bullet lives at most 10) and a bullet outlives its sub
// by at most 10 steps.
constexpr int kMaxEnemies = 64;
constexpr int kMaxFriendlyBullets = 8;
constexpr int kMaxDiverObjects = 8;
constexpr int kMaxEnemyBullets = 2 * kMaxEnemies;

// [x, y, direction] (Python: bullet lists).
struct Bullet {
  int8_t x, y;
  bool right;
  friend bool operator==(const Bullet&, const Bullet&) = default;
};
// [x, y, direction, move_timer] (Python: fish and diver lists).
struct Mover {
  int8_t x, y;
  bool right;
  int8_t move;
  friend bool operator==(const Mover&, const Mover&) = default;
};
// [x, y, direction, move_timer, shot_timer] (Python: enemy sub lists).
struct EnemySub {
  int8_t x, y;
  bool right;
  int8_t move, shot;
  friend bool operator==(const EnemySub&, const EnemySub&) = default;
};

// A Python list of small value records with a fixed capacity.
template <typename T, int N>
class PyList {
 public:
  int size() const { return n_; }
  T& operator[](int i) { return items_[i]; }
  const T& operator[](int i) const { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + n_; }
  void clear() { n_ = 0; }

  void append(const T& item) {
    VALOR_CHECK(n_ < N, "seaquest: more than {} objects in a list", N);
    items_[n_++] = item;
  }
  // append(item) if `append`, without branching on it: the item is always written, to the spare
  // slot past the end, and counted only if `append`.
  void append_if(bool append, const T& item) {
    VALOR_CHECK(n_ < N || !append, "seaquest: more than {} objects in a list", N);
    items_[n_] = item;
    n_ += append;
  }
  void erase(int i) {
    std::copy(items_.begin() + i + 1, items_.begin() + n_, items_.begin() + i);
    --n_;
  }
  // list.remove(self[i]): drops the first element equal to self[i] and returns its index, which
  // is i itself unless an equal element comes earlier.
  int remove_equal_to(int i) {
    int j = 0;
    while (!(items_[j] == items_[i])) ++j;
    erase(j);
    return j;
  }
  // The first element at (x, y), or -1.
  int find_at(int x, int y) const {
    for (int i = 0; i < n_; ++i) {
      if (items_[i].x == x && items_[i].y == y) return i;
    }
    return -1;
  }

 private:
  std::array<T, N + 1> items_{};  // one spare slot, for append_if
  int n_ = 0;
};

// Walks a PyList as `for item in reversed(list)` does in CPython: the iterator keeps an index,
// hands out list[index] and steps down, and stops for good once the index is outside the list.
template <typename List>
class ReverseCursor {
 public:
  explicit ReverseCursor(const List& list) : list_(list), next_(list.size() - 1) {}
  bool next(int& i) {
    // One unsigned compare for "index < 0 or index >= size" (a negative index wraps high).
    if (static_cast<unsigned>(next_) >= static_cast<unsigned>(list_.size())) return false;
    i = next_--;
    return true;
  }

 private:
  const List& list_;
  int next_;
};

class Seaquest final : public MinAtarGame {
 public:
  explicit Seaquest(bool ramping) : ramping_(ramping) {}

  int channels() const override { return kChannels; }
  std::span<const int> minimal_actions() const override { return kMinimalActions; }

  void reset(NumpyRandomState& /*rng: the Python reset draws nothing*/) override {
    oxygen_ = kMaxOxygen;
    diver_count_ = 0;
    sub_x_ = 5;
    sub_y_ = 0;
    sub_right_ = false;
    f_bullets_.clear();
    e_bullets_.clear();
    e_fish_.clear();
    e_subs_.clear();
    divers_.clear();
    e_spawn_speed_ = kInitSpawnSpeed;
    e_spawn_timer_ = e_spawn_speed_;
    d_spawn_timer_ = kDiverSpawnSpeed;
    move_speed_ = kInitMoveInterval;
    ramp_index_ = 0;
    shot_timer_ = 0;
    surface_ = true;
    terminal_ = false;
  }

  float act(int action, NumpyRandomState& rng, bool& terminal) override {
    VALOR_CHECK(action >= 0 && action < kMinAtarFullActions, "seaquest: action {}", action);
    if (terminal_) {
      terminal = true;
      return 0.0f;
    }
    int r = 0;

    if (e_spawn_timer_ == 0) {
      spawn_enemy(rng);
      e_spawn_timer_ = e_spawn_speed_;
    }
    if (d_spawn_timer_ == 0) {
      spawn_diver(rng);
      d_spawn_timer_ = kDiverSpawnSpeed;
    }

    // The Python's if/elif chain on the action, by table: the action is random in training, so
    // branching on it costs a missed prediction on most steps. Fire moves nothing, and the moves
    // clamp to columns 0..9 and rows 0..8.
    const bool fire = (action == kFire) & (shot_timer_ == 0);
    f_bullets_.append_if(fire,
                         {static_cast<int8_t>(sub_x_), static_cast<int8_t>(sub_y_), sub_right_});
    shot_timer_ = fire ? kShotCoolDown : shot_timer_;
    const auto a = static_cast<size_t>(action);
    sub_x_ = std::clamp(sub_x_ + kActionDx[a], 0, 9);
    sub_y_ = std::clamp(sub_y_ + kActionDy[a], 0, 8);
    sub_right_ = (sub_right_ & kActionKeepsFacing[a]) | kActionFacesRight[a];

    r += update_friendly_bullets();
    update_divers();
    r += update_enemy_subs();
    update_enemy_bullets();
    r += update_enemy_fish();

    e_spawn_timer_ -= e_spawn_timer_ > 0;
    d_spawn_timer_ -= d_spawn_timer_ > 0;
    shot_timer_ -= shot_timer_ > 0;
    if (oxygen_ <= 0) terminal_ = true;
    if (sub_y_ > 0) {
      --oxygen_;
      surface_ = false;
    } else if (!surface_) {
      if (diver_count_ == 0) {
        terminal_ = true;
      } else {
        r += surface();
      }
    }
    terminal = terminal_;
    return static_cast<float>(r);
  }

  void state(std::span<uint8_t> grid) const override {
    VALOR_CHECK(grid.size() == 100 * kChannels, "seaquest: grid has {} bytes", grid.size());
    uint8_t* const out = grid.data();
    std::memset(out, 0, 90 * kChannels);
    const int oxygen_cells = std::max(0, oxygen_) * 10 / kMaxOxygen;
    std::memcpy(out + 90 * kChannels,
                kGaugeRows[static_cast<size_t>(oxygen_cells)]
                          [static_cast<size_t>(std::max(0, diver_count_))]
                              .data(),
                10 * kChannels);
    auto set = [out](int y, int x, int c) { out[(y * 10 + x) * kChannels + c] = 1; };
    // A trail off the grid is not drawn: OR-ing 0 into a clamped cell instead of branching.
    auto set_trail = [out](int y, int x, bool right) {
      const int back_x = right ? x - 1 : x + 1;
      out[(y * 10 + std::clamp(back_x, 0, 9)) * kChannels + kTrail] |=
          static_cast<uint8_t>(static_cast<unsigned>(back_x) <= 9);
    };
    set(sub_y_, sub_x_, kSubFront);
    // The sub never faces right at x 0 nor left at x 9, so its back is on the grid.
    set(sub_y_, sub_x_ + 1 - 2 * sub_right_, kSubBack);
    for (const Bullet& b : f_bullets_) set(b.y, b.x, kFriendlyBullet);
    for (const Bullet& b : e_bullets_) set(b.y, b.x, kEnemyBullet);
    for (const Mover& f : e_fish_) {
      set(f.y, f.x, kEnemyFish);
      set_trail(f.y, f.x, f.right);
    }
    for (const EnemySub& s : e_subs_) {
      set(s.y, s.x, kEnemySub);
      set_trail(s.y, s.x, s.right);
    }
    for (const Mover& d : divers_) {
      set(d.y, d.x, kDiver);
      set_trail(d.y, d.x, d.right);
    }
  }

 private:
  static int8_t step_x(int8_t x, bool right) { return static_cast<int8_t>(right ? x + 1 : x - 1); }
  // An object's move and shot timers run out every few steps, at a different step for each
  // object: a branch on them is one the predictor keeps missing, so these two do it by arithmetic.
  // The timer counted down, or reloaded with `reload` when it is at 0 (when it acts):
  static int8_t count_down(int8_t timer, int reload) {
    return static_cast<int8_t>(timer - 1 + (timer == 0) * (reload + 1));
  }
  // step_x(x, right) if `moves`, else x.
  static int8_t step_x_if(bool moves, int8_t x, bool right) {
    return static_cast<int8_t>(x + moves * (2 * right - 1));
  }
  // Both tests are nearly always false: one branch each on the combined condition, not two.
  static bool off_grid(int x) { return static_cast<unsigned>(x) > 9; }
  bool at_player(int x, int y) const { return (x == sub_x_) & (y == sub_y_); }

  int update_friendly_bullets() {
    int r = 0;
    ReverseCursor cursor(f_bullets_);
    for (int i = 0; cursor.next(i);) {
      Bullet& b = f_bullets_[i];
      b.x = step_x(b.x, b.right);
      if (off_grid(b.x)) {
        f_bullets_.remove_equal_to(i);
        continue;
      }
      if (const int k = e_fish_.find_at(b.x, b.y); k >= 0) {
        e_fish_.remove_equal_to(k);
        f_bullets_.remove_equal_to(i);
        ++r;
        continue;
      }
      if (const int k = e_subs_.find_at(b.x, b.y); k >= 0) {
        e_subs_.remove_equal_to(k);
        f_bullets_.remove_equal_to(i);
        ++r;
      }
    }
    return r;
  }

  void update_divers() {
    ReverseCursor cursor(divers_);
    for (int i = 0; cursor.next(i);) {
      Mover& d = divers_[i];
      const bool room = diver_count_ < kMaxDivers;
      if (at_player(d.x, d.y) & room) {
        divers_.remove_equal_to(i);
        ++diver_count_;
        continue;
      }
      // Step when the move timer runs out, then the rare outcomes of a step.
      const bool moves = d.move == 0;
      d.move = count_down(d.move, kDiverMoveInterval);
      d.x = step_x_if(moves, d.x, d.right);
      if (moves & (off_grid(d.x) | (at_player(d.x, d.y) & room))) {
        if (!off_grid(d.x)) ++diver_count_;  // picked up, else it left the grid
        divers_.remove_equal_to(i);
      }
    }
  }

  int update_enemy_subs() {
    int r = 0;
    ReverseCursor cursor(e_subs_);
    for (int i = 0; cursor.next(i);) {
      // The Python goes on using `sub` after removing it: its shot timer still runs and it may
      // still fire, from where it was removed (even off the grid).
      EnemySub* s = &e_subs_[i];
      EnemySub removed;
      auto remove_current = [&] {
        const EnemySub current = *s;
        if (e_subs_.remove_equal_to(i) == i) {
          removed = current;  // this very sub left the list: go on with a detached copy
          s = &removed;
        } else {
          s = &e_subs_[i - 1];  // an equal sub before it went; this one moved down by one
        }
      };
      terminal_ |= at_player(s->x, s->y);
      // As for divers: the timers without branches, then the rare outcomes of a step (a bullet
      // can only be hit while there are friendly bullets).
      const bool moves = s->move == 0;
      s->move = count_down(s->move, move_speed_);
      s->x = step_x_if(moves, s->x, s->right);
      if (moves & (off_grid(s->x) | at_player(s->x, s->y) | (f_bullets_.size() != 0))) {
        if (off_grid(s->x)) {
          remove_current();
        } else if (at_player(s->x, s->y)) {
          terminal_ = true;
        } else if (const int k = f_bullets_.find_at(s->x, s->y); k >= 0) {
          remove_current();
          f_bullets_.remove_equal_to(k);
          ++r;
        }
      }
      const bool fires = s->shot == 0;
      s->shot = count_down(s->shot, kEnemyShotInterval);
      e_bullets_.append_if(fires, {s->x, s->y, s->right});
    }
    return r;
  }

  void update_enemy_bullets() {
    ReverseCursor cursor(e_bullets_);
    for (int i = 0; cursor.next(i);) {
      Bullet& b = e_bullets_[i];
      terminal_ |= at_player(b.x, b.y);
      b.x = step_x(b.x, b.right);
      if (off_grid(b.x)) {
        e_bullets_.remove_equal_to(i);
      } else {
        terminal_ |= at_player(b.x, b.y);
      }
    }
  }

  int update_enemy_fish() {
    int r = 0;
    ReverseCursor cursor(e_fish_);
    for (int i = 0; cursor.next(i);) {
      Mover& f = e_fish_[i];
      terminal_ |= at_player(f.x, f.y);
      // As for subs.
      const bool moves = f.move == 0;
      f.move = count_down(f.move, move_speed_);
      f.x = step_x_if(moves, f.x, f.right);
      if (moves & (off_grid(f.x) | at_player(f.x, f.y) | (f_bullets_.size() != 0))) {
        if (off_grid(f.x)) {
          e_fish_.remove_equal_to(i);
        } else if (at_player(f.x, f.y)) {
          terminal_ = true;
        } else if (const int k = f_bullets_.find_at(f.x, f.y); k >= 0) {
          e_fish_.remove_equal_to(i);
          f_bullets_.remove_equal_to(k);
          ++r;
        }
      }
    }
    return r;
  }

  // Surfacing with divers aboard: a full crew is traded for a reward by remaining oxygen (and,
  // as in the Python, the count then drops to -1); otherwise one diver is used up.
  int surface() {
    surface_ = true;
    int r = 0;
    if (diver_count_ == kMaxDivers) {
      diver_count_ = 0;
      r = oxygen_ * 10 / kMaxOxygen;  // oxygen >= 0 here: it ends the game on reaching 0
    }
    oxygen_ = kMaxOxygen;
    --diver_count_;
    if (ramping_ && (e_spawn_speed_ > 1 || move_speed_ > 2)) {
      if (move_speed_ > 2 && ramp_index_ % 2 != 0) --move_speed_;
      if (e_spawn_speed_ > 1) --e_spawn_speed_;
      ++ramp_index_;
    }
    return r;
  }

  // An enemy in a random row and direction, unless that row holds one going the other way.
  void spawn_enemy(NumpyRandomState& rng) {
    const bool right = rng.rand() < 1.0 / 2.0;
    const bool is_sub = rng.rand() < 1.0 / 3.0;
    const auto x = static_cast<int8_t>(right ? 0 : 9);
    const auto y = static_cast<int8_t>(rng.randint(1, 9));
    for (const EnemySub& s : e_subs_) {
      if (s.y == y && s.right != right) return;
    }
    for (const Mover& f : e_fish_) {
      if (f.y == y && f.right != right) return;
    }
    const auto move = static_cast<int8_t>(move_speed_);
    if (is_sub) {
      e_subs_.append({x, y, right, move, kEnemyShotInterval});
    } else {
      e_fish_.append({x, y, right, move});
    }
  }

  void spawn_diver(NumpyRandomState& rng) {
    const bool right = rng.rand() < 1.0 / 2.0;
    const auto x = static_cast<int8_t>(right ? 0 : 9);
    const auto y = static_cast<int8_t>(rng.randint(1, 9));
    divers_.append({x, y, right, kDiverMoveInterval});
  }

  bool ramping_;
  int oxygen_ = kMaxOxygen;
  // Goes to -1 after surfacing with a full crew, as in the Python, and one lower at every
  // further surfacing until a diver is picked up again.
  int diver_count_ = 0;
  int sub_x_ = 5, sub_y_ = 0;
  bool sub_right_ = false;
  PyList<Bullet, kMaxFriendlyBullets> f_bullets_;
  PyList<Bullet, kMaxEnemyBullets> e_bullets_;
  PyList<Mover, kMaxEnemies> e_fish_;
  PyList<EnemySub, kMaxEnemies> e_subs_;
  PyList<Mover, kMaxDiverObjects> divers_;
  int e_spawn_speed_ = kInitSpawnSpeed;
  int e_spawn_timer_ = kInitSpawnSpeed;
  int d_spawn_timer_ = kDiverSpawnSpeed;
  int move_speed_ = kInitMoveInterval;
  int ramp_index_ = 0;
  int shot_timer_ = 0;
  bool surface_ = true;
  bool terminal_ = false;
};

}  // namespace

std::unique_ptr<MinAtarGame> make_seaquest_game(bool ramping) {
  return std::make_unique<Seaquest>(ramping);
}

}  // namespace valor::env
