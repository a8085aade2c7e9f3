// Binary (de)serialisation of plain values for checkpoint blobs: fixed-width values and arrays in
// the host's byte order (checkpoints move between runs on one kind of machine, not across
// endianness). ByteReader checks every size against the bytes left and fails with a
// valor::Error naming what it was reading, so a truncated or foreign blob is reported, not
// misread.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "valor/core/error.h"

namespace valor {

class ByteWriter {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  // Length (u64) then the elements.
  template <typename T>
  void put_array(std::span<const T> values) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<uint64_t>(values.size());
    if (!values.empty()) {
      bytes_.append(reinterpret_cast<const char*>(values.data()), values.size_bytes());
    }
  }
  void put_string(std::string_view s) { put_array(std::span<const char>(s.data(), s.size())); }

  const std::string& bytes() const { return bytes_; }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class ByteReader {
 public:
  // `what` names the blob in errors ("replay buffer state").
  ByteReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  template <typename T>
  std::vector<T> get_array() {
    const auto n = get<uint64_t>();
    if (n > (bytes_.size() - pos_) / sizeof(T)) truncated();
    std::vector<T> values(n);
    copy_out(values.data(), n * sizeof(T));
    return values;
  }
  // Reads exactly values.size() elements written by put_array.
  template <typename T>
  void get_array_into(std::span<T> values) {
    const auto n = get<uint64_t>();
    if (n != values.size()) {
      fail("{}: expected an array of {} elements, found {}", what_, values.size(), n);
    }
    copy_out(values.data(), n * sizeof(T));
  }
  std::string get_string() {
    const auto chars = get_array<char>();
    return std::string(chars.begin(), chars.end());
  }
  bool done() const { return pos_ == bytes_.size(); }
  // valor::Error unless every byte was read.
  void expect_done() const {
    if (!done()) fail("{}: {} unexpected trailing bytes", what_, bytes_.size() - pos_);
  }
  const std::string& what() const { return what_; }

 private:
  const char* take(size_t n) {
    if (n > bytes_.size() - pos_) truncated();
    const char* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  // memcpy's pointers must be valid even for zero bytes; an empty vector's data() may be null.
  void copy_out(void* to, size_t n) {
    const char* from = take(n);
    if (n > 0) std::memcpy(to, from, n);
  }
  [[noreturn]] void truncated() const { fail("{}: truncated or not of this kind", what_); }

  std::string_view bytes_;
  std::string what_;
  size_t pos_ = 0;
};

}  // namespace valor
