#include "node/logging.hpp"

#include <spdlog/details/file_helper.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

namespace tc {

namespace {

// timed.log, rotated by size into timed.log.1 .. timed.log.N, and reopened
// by name on request: after logrotate moved the file, lines go to the new one.
class reopenable_file_sink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  reopenable_file_sink(std::string path, uint64_t max_bytes, uint32_t files)
      : path_(std::move(path)), max_bytes_(max_bytes), files_(files) {
    file_.open(path_, false);
    size_ = file_.size();
  }
  void reopen() {
    std::lock_guard<std::mutex> lock(mutex_);
    file_.reopen(false);
    size_ = file_.size();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    if (size_ > 0 && size_ + buf.size() > max_bytes_) rotate();
    file_.write(buf);
    size_ += buf.size();
  }
  void flush_() override { file_.flush(); }

 private:
  void rotate() {
    file_.close();
    for (uint32_t i = files_; i > 1; --i)
      std::rename((path_ + "." + std::to_string(i - 1)).c_str(),
                  (path_ + "." + std::to_string(i)).c_str());
    std::rename(path_.c_str(), (path_ + ".1").c_str());
    file_.open(path_, true);
    size_ = 0;
  }
  std::string path_;
  uint64_t max_bytes_;
  uint32_t files_;
  uint64_t size_ = 0;
  spdlog::details::file_helper file_;
};

// %* : the message as a JSON string's contents (quotes, backslashes and
// control characters escaped).
class json_message_flag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char u[8];
            std::snprintf(u, sizeof u, "\\u%04x", c);
            dest.append(std::string_view(u));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

std::unique_ptr<spdlog::formatter> formatter_for(bool json) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (json) {
    f->add_flag<json_message_flag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":"%*"})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v");
  }
  return f;
}

std::shared_ptr<reopenable_file_sink>& file_sink() {
  static std::shared_ptr<reopenable_file_sink> s;
  return s;
}
spdlog::level::level_enum& base_level() {
  static spdlog::level::level_enum l = spdlog::level::info;
  return l;
}

}  // namespace

spdlog::level::level_enum level_for(const std::string& config_level, int verbosity, bool quiet) {
  if (quiet) return spdlog::level::warn;
  if (verbosity >= 2) return spdlog::level::trace;
  if (verbosity == 1) return spdlog::level::debug;
  return spdlog::level::from_str(config_level);
}

status setup_logging(const log_setup& s) {
  try {
    std::vector<spdlog::sink_ptr> sinks;
    if (s.console) sinks.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
    if (!s.file.empty()) {
      file_sink() = std::make_shared<reopenable_file_sink>(s.file, s.max_bytes, s.files);
      sinks.push_back(file_sink());
    }
    for (auto& sink : sinks) sink->set_formatter(formatter_for(s.json));
    spdlog::drop_all();
    auto logger = std::make_shared<spdlog::logger>("timed", sinks.begin(), sinks.end());
    spdlog::set_default_logger(logger);
    base_level() = s.level;
    logger->set_level(s.level);
    for (const auto& c : log_categories()) {
      auto l = std::make_shared<spdlog::logger>(c, sinks.begin(), sinks.end());
      l->set_level(s.level);
      spdlog::register_logger(l);
    }
    set_debug_categories(s.debug_categories, {});
    spdlog::flush_on(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    return make_error(std::string("cannot open the log: ") + e.what());
  }
  return ok_status();
}

void reopen_log_file() {
  if (auto& f = file_sink()) f->reopen();
}

std::map<std::string, bool> set_debug_categories(const std::vector<std::string>& include,
                                                 const std::vector<std::string>& exclude) {
  auto named = [](const std::vector<std::string>& list, const std::string& c) {
    for (const auto& x : list)
      if (x == c || x == "all") return true;
    return false;
  };
  bool none = std::find(include.begin(), include.end(), "none") != include.end();
  std::map<std::string, bool> out;
  for (const auto& c : log_categories()) {
    auto l = spdlog::get(c);
    if (!l) continue;
    auto on = std::min(base_level(), spdlog::level::debug);
    if (none || named(exclude, c))
      l->set_level(base_level());
    else if (named(include, c))
      l->set_level(on);
    out[c] = l->should_log(spdlog::level::debug);
  }
  return out;
}

}  // namespace tc
