// Live capture and the few system calls Node does not offer, for p0f's live mode.
//
// The addon is deliberately small. It never calls into JavaScript once per packet:
// packets are copied into one caller-owned Buffer as a run of records
//
//   u32 tsSec | u32 tsUsec | u32 caplen | u32 wirelen | caplen bytes | 0..3 bytes of pad
//
// (host byte order; every record starts on a 4-byte boundary) and JavaScript is told
// how many records there are. Waiting for the capture socket is done with a libuv poll
// handle on Node's own loop, so the API server and the log writer keep running.

#include <napi.h>
#include <uv.h>
#include <pcap/pcap.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr size_t kRecHdr = 16;

inline size_t Pad4(size_t n) { return (n + 3) & ~static_cast<size_t>(3); }

// State shared with pcap_dispatch's callback while one batch is being filled.
struct BatchSink {
  pcap_t* p;
  uint8_t* base;
  size_t len;
  size_t off;
  size_t reserve;  // room a worst-case record needs: header + snaplen, padded
  uint32_t count;
  bool full;
};

void OnPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* bytes) {
  BatchSink* s = reinterpret_cast<BatchSink*>(user);
  size_t need = Pad4(kRecHdr + h->caplen);
  if (s->off + need > s->len) {
    // Cannot happen while the buffer is at least `reserve` long (checked on entry and
    // after every record), but never write past the caller's buffer.
    s->full = true;
    pcap_breakloop(s->p);
    return;
  }
  uint32_t* hdr = reinterpret_cast<uint32_t*>(s->base + s->off);
  hdr[0] = static_cast<uint32_t>(h->ts.tv_sec);
  hdr[1] = static_cast<uint32_t>(h->ts.tv_usec);
  hdr[2] = h->caplen;
  hdr[3] = h->len;
  std::memcpy(s->base + s->off + kRecHdr, bytes, h->caplen);
  s->off += need;
  s->count++;
  // Stop before a packet could arrive that no longer fits; libpcap checks the break
  // flag before handing over the next packet, so nothing is lost.
  if (s->len - s->off < s->reserve) {
    s->full = true;
    pcap_breakloop(s->p);
  }
}

Napi::Value ErrnoResult(Napi::Env env, int err) {
  return Napi::Number::New(env, err);
}

class Capture : public Napi::ObjectWrap<Capture> {
 public:
  static Napi::FunctionReference* ctor;

  static Napi::Function Init(Napi::Env env) {
    Napi::Function f = DefineClass(env, "Capture", {
      InstanceMethod("datalink", &Capture::Datalink),
      InstanceMethod("setFilter", &Capture::SetFilter),
      InstanceMethod("setNonblock", &Capture::SetNonblock),
      InstanceMethod("readBatch", &Capture::ReadBatch),
      InstanceMethod("fd", &Capture::Fd),
      InstanceMethod("start", &Capture::Start),
      InstanceMethod("stop", &Capture::Stop),
      InstanceMethod("stats", &Capture::Stats),
      InstanceMethod("close", &Capture::Close),
      InstanceMethod("ref", &Capture::RefLoop),
      InstanceMethod("unref", &Capture::UnrefLoop),
      InstanceMethod("geterr", &Capture::GetErr),
    });
    ctor = new Napi::FunctionReference(Napi::Persistent(f));
    return f;
  }

  explicit Capture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Capture>(info) {}

  ~Capture() override {
    // Only reached when not started (a started capture holds a reference to itself).
    if (p_ != nullptr) {
      pcap_close(p_);
      p_ = nullptr;
    }
  }

  void Attach(pcap_t* p, int snaplen) {
    p_ = p;
    snaplen_ = snaplen;
  }

 private:
  pcap_t* p_ = nullptr;
  int snaplen_ = 65535;
  uv_poll_t* poll_ = nullptr;
  bool pollRef_ = true;
  bool selfRef_ = false;
  bool inCallback_ = false;
  Napi::FunctionReference onBatch_;
  Napi::Reference<Napi::Buffer<uint8_t>> bufRef_;
  uint8_t* buf_ = nullptr;
  size_t bufLen_ = 0;
  int maxPackets_ = 0;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
  std::string lastErr_;

  bool CheckOpen(Napi::Env env) {
    if (p_ == nullptr) {
      Napi::Error::New(env, "capture is closed").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  size_t Reserve() const { return Pad4(kRecHdr + static_cast<size_t>(snaplen_)); }

  // Fills [base, base+len) with up to maxPackets records. Returns the count, or -1 on a
  // capture error (text in lastErr_).
  int Fill(uint8_t* base, size_t len, int maxPackets, bool* full = nullptr) {
    BatchSink s{p_, base, len, 0, Reserve(), 0, false};
    if (full != nullptr) *full = false;
    if (len < s.reserve) return 0;
    int r = pcap_dispatch(p_, maxPackets > 0 ? maxPackets : -1, OnPacket,
                          reinterpret_cast<u_char*>(&s));
    if (r == PCAP_ERROR) {
      lastErr_ = pcap_geterr(p_);
      return -1;
    }
    // PCAP_ERROR_BREAK: we asked for it because the buffer is nearly full.
    if (full != nullptr) *full = s.full;
    return static_cast<int>(s.count);
  }

  Napi::Value Datalink(const Napi::CallbackInfo& info) {
    if (!CheckOpen(info.Env())) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), pcap_datalink(p_));
  }

  // setFilter(rule, optimize, netmask) -> null on success, libpcap's error text otherwise.
  Napi::Value SetFilter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    std::string rule = info[0].As<Napi::String>().Utf8Value();
    int optimize = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : 1;
    uint32_t netmask = info.Length() > 2 ? info[2].As<Napi::Number>().Uint32Value() : 0;
    struct bpf_program prog;
    if (pcap_compile(p_, &prog, rule.c_str(), optimize, netmask) != 0) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("stage", "compile");
      o.Set("error", std::string(pcap_geterr(p_)));
      return o;
    }
    int r = pcap_setfilter(p_, &prog);
    pcap_freecode(&prog);
    if (r != 0) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("stage", "setfilter");
      o.Set("error", std::string(pcap_geterr(p_)));
      return o;
    }
    return env.Null();
  }

  Napi::Value SetNonblock(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    char err[PCAP_ERRBUF_SIZE];
    err[0] = 0;
    if (pcap_setnonblock(p_, info[0].ToBoolean().Value() ? 1 : 0, err) < 0) {
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // readBatch(buffer, maxPackets) -> record count (0 if none ready); throws on error.
  Napi::Value ReadBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (!info[0].IsBuffer()) {
      Napi::TypeError::New(env, "buffer expected").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    int maxPackets = info.Length() > 1 ? info[1].As<Napi::Number>().Int32Value() : -1;
    if (b.Length() < Reserve()) {
      Napi::RangeError::New(env, "buffer smaller than one snaplen record").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int n = Fill(b.Data(), b.Length(), maxPackets);
    if (n < 0) {
      Napi::Error::New(env, lastErr_).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, n);
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) {
    if (!CheckOpen(info.Env())) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), pcap_get_selectable_fd(p_));
  }

  // start(buffer, maxPackets, onBatch(count, error?)) - wait for packets on Node's loop.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (poll_ != nullptr) {
      Napi::Error::New(env, "capture already started").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!info[0].IsBuffer() || !info[2].IsFunction()) {
      Napi::TypeError::New(env, "start(buffer, maxPackets, callback)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    if (b.Length() < Reserve()) {
      Napi::RangeError::New(env, "buffer smaller than one snaplen record").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    int fd = pcap_get_selectable_fd(p_);
    if (fd < 0) {
      Napi::Error::New(env, "capture has no selectable descriptor").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    char err[PCAP_ERRBUF_SIZE];
    if (pcap_setnonblock(p_, 1, err) < 0) {
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      Napi::Error::New(env, "no event loop").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    uv_poll_t* h = new uv_poll_t;
    int r = uv_poll_init(loop, h, fd);
    if (r != 0) {
      delete h;
      Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(r)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    h->data = this;
    r = uv_poll_start(h, UV_READABLE, OnReadable);
    if (r != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(h), FreePoll);
      Napi::Error::New(env, std::string("uv_poll_start: ") + uv_strerror(r)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    poll_ = h;
    if (!pollRef_) uv_unref(reinterpret_cast<uv_handle_t*>(h));
    bufRef_ = Napi::Persistent(b);
    buf_ = b.Data();
    bufLen_ = b.Length();
    maxPackets_ = info[1].As<Napi::Number>().Int32Value();
    onBatch_ = Napi::Persistent(info[2].As<Napi::Function>());
    asyncCtx_.reset(new Napi::AsyncContext(env, "p0f:pcap"));
    if (!selfRef_) {
      Ref();
      selfRef_ = true;
    }
    return env.Undefined();
  }

  static void FreePoll(uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); }

  static void OnReadable(uv_poll_t* h, int status, int events) {
    Capture* self = static_cast<Capture*>(h->data);
    if (self == nullptr) return;
    self->Drain(status);
  }

  // Called by libuv when the capture socket is readable: fill the buffer and hand each
  // batch to JavaScript, a bounded number of times so one busy interface cannot starve
  // the rest of the loop (the poll is level-triggered and fires again).
  void Drain(int status) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (status < 0) {
      Deliver(env, -1, std::string("poll: ") + uv_strerror(status));
      return;
    }
    for (int round = 0; round < 16; round++) {
      if (p_ == nullptr || poll_ == nullptr) return;
      bool full = false;
      int n = Fill(buf_, bufLen_, maxPackets_, &full);
      if (n < 0) {
        Deliver(env, -1, lastErr_);
        return;
      }
      if (n == 0) {
        if (round == 0) CheckSocketError(env);
        return;
      }
      bool capped = maxPackets_ > 0 && n >= maxPackets_;
      if (!Deliver(env, n, std::string())) return;
      // A batch that neither filled the buffer nor hit the packet cap emptied what the
      // kernel had ready; wait for the next wake-up.
      if (!full && !capped) return;
    }
  }

  // A wake-up with nothing to read may mean the socket is in error (interface gone);
  // libuv would keep reporting it, so look once and tell JavaScript.
  void CheckSocketError(Napi::Env env) {
    int fd = pcap_get_selectable_fd(p_);
    if (fd < 0) return;
    struct pollfd pfd;
    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, 0) <= 0) return;
    if (!(pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) return;
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    std::string msg = soerr == ENETDOWN ? "The interface went down"
                      : soerr != 0      ? std::strerror(soerr)
                                        : "capture socket reported an error";
    Deliver(env, -1, msg);
  }

  // Returns false when delivery should stop (closed, stopped, or the callback threw).
  bool Deliver(Napi::Env env, int n, const std::string& err) {
    if (onBatch_.IsEmpty()) return false;
    std::vector<napi_value> args;
    args.push_back(Napi::Number::New(env, n));
    if (!err.empty()) args.push_back(Napi::String::New(env, err));
    inCallback_ = true;
    onBatch_.MakeCallback(Value(), args, *asyncCtx_);
    inCallback_ = false;
    if (env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
      return false;
    }
    return p_ != nullptr && poll_ != nullptr;
  }

  void StopPolling() {
    if (poll_ != nullptr) {
      poll_->data = nullptr;
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), FreePoll);
      poll_ = nullptr;
    }
    onBatch_.Reset();
    bufRef_.Reset();
    buf_ = nullptr;
    bufLen_ = 0;
    asyncCtx_.reset();
    if (selfRef_) {
      selfRef_ = false;
      Unref();
    }
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    StopPolling();
    return info.Env().Undefined();
  }

  // stats() -> [ps_recv, ps_drop, ps_ifdrop], or null when libpcap cannot tell.
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    struct pcap_stat st;
    std::memset(&st, 0, sizeof(st));
    if (pcap_stats(p_, &st) != 0) return env.Null();
    Napi::Array a = Napi::Array::New(env, 3);
    a.Set(0u, Napi::Number::New(env, st.ps_recv));
    a.Set(1u, Napi::Number::New(env, st.ps_drop));
    a.Set(2u, Napi::Number::New(env, st.ps_ifdrop));
    return a;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    // Stop the poll handle first: uv_close() takes the descriptor out of epoll at once,
    // so closing it right after is safe; pcap_close() only unmaps the ring and closes.
    StopPolling();
    if (p_ != nullptr) {
      pcap_close(p_);
      p_ = nullptr;
    }
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    pollRef_ = true;
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    pollRef_ = false;
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value GetErr(const Napi::CallbackInfo& info) {
    if (p_ == nullptr) return info.Env().Null();
    return Napi::String::New(info.Env(), pcap_geterr(p_));
  }
};

Napi::FunctionReference* Capture::ctor = nullptr;

// openLive(iface, snaplen, promisc, timeoutMs, bufferSize, immediate) -> Capture.
// Errors are thrown with the text pcap_open_live() would have put in its errbuf, so the
// CLI can print "pcap_open_live: <text>" exactly as p0f does.
Napi::Value OpenLive(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dev = info[0].As<Napi::String>().Utf8Value();
  int snaplen = info[1].As<Napi::Number>().Int32Value();
  bool promisc = info[2].ToBoolean().Value();
  int timeoutMs = info[3].As<Napi::Number>().Int32Value();
  int bufferSize = info.Length() > 4 && info[4].IsNumber() ? info[4].As<Napi::Number>().Int32Value() : 0;
  bool immediate = info.Length() > 5 && info[5].ToBoolean().Value();

  char err[PCAP_ERRBUF_SIZE];
  err[0] = 0;
  pcap_t* p = pcap_create(dev.c_str(), err);
  if (p == nullptr) {
    Napi::Error e = Napi::Error::New(env, err);
    e.Set("status", Napi::Number::New(env, PCAP_ERROR));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int status = pcap_set_snaplen(p, snaplen);
  if (status >= 0) status = pcap_set_promisc(p, promisc ? 1 : 0);
  if (status >= 0) status = pcap_set_timeout(p, timeoutMs);
  if (status >= 0 && bufferSize > 0) status = pcap_set_buffer_size(p, bufferSize);
  if (status >= 0 && immediate) status = pcap_set_immediate_mode(p, 1);
  if (status >= 0) status = pcap_activate(p);
  if (status < 0) {
    // Same wording as libpcap 1.10's pcap_open_live().
    const char* perr = pcap_geterr(p);
    std::string msg = dev + ": ";
    if (status == PCAP_ERROR) {
      msg += perr;
    } else if ((status == PCAP_ERROR_NO_SUCH_DEVICE || status == PCAP_ERROR_PERM_DENIED ||
                status == PCAP_ERROR_PROMISC_PERM_DENIED) && perr[0] != 0) {
      msg += std::string(pcap_statustostr(status)) + " (" + perr + ")";
    } else {
      msg += pcap_statustostr(status);
    }
    if (msg.size() > PCAP_ERRBUF_SIZE - 1) msg.resize(PCAP_ERRBUF_SIZE - 1);
    pcap_close(p);
    Napi::Error e = Napi::Error::New(env, msg);
    e.Set("status", Napi::Number::New(env, status));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object obj = Capture::ctor->New({});
  Capture* c = Capture::Unwrap(obj);
  c->Attach(p, snaplen);
  if (status > 0) obj.Set("warning", std::string(pcap_statustostr(status)) + ": " + pcap_geterr(p));
  return obj;
}

// A pcap handle to compile against. With fileOrder < 0 it is pcap_open_dead(); otherwise
// it is a real savefile handle over an in-memory, packet-less pcap header in host byte
// order (fileOrder 0) or swapped (fileOrder 1), because libpcap compiles some link types
// (DLT_NULL's address family word, for one) differently for files than for dead handles.
pcap_t* CompileHandle(int linktype, int snaplen, int fileOrder, char* err) {
  if (fileOrder < 0) return pcap_open_dead(linktype, snaplen);
  uint32_t hdr[6] = {0xa1b2c3d4u, 2u | (4u << 16), 0, 0, static_cast<uint32_t>(snaplen),
                     static_cast<uint32_t>(linktype)};
  if (fileOrder == 1) {
    for (uint32_t& w : hdr) w = __builtin_bswap32(w);
    // The version halves must be swapped in place, not as one word.
    hdr[1] = (2u << 8) | (4u << 24);
  }
  FILE* f = fmemopen(hdr, sizeof(hdr), "rb");
  if (f == nullptr) {
    std::snprintf(err, PCAP_ERRBUF_SIZE, "fmemopen: %s", std::strerror(errno));
    return nullptr;
  }
  pcap_t* p = pcap_fopen_offline(f, err);
  if (p == nullptr) std::fclose(f);
  return p;
}

// compileFilter(rule, linktype, snaplen, optimize, netmask, fileOrder) -> { insns:
// Uint32Array } with four words per instruction (code, jt, jf, k), or { error } with
// libpcap's text. fileOrder: -1 (or absent) dead handle, 0 host-order file, 1 swapped file.
Napi::Value CompileFilter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string rule = info[0].As<Napi::String>().Utf8Value();
  int linktype = info[1].As<Napi::Number>().Int32Value();
  int snaplen = info[2].As<Napi::Number>().Int32Value();
  int optimize = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 1;
  uint32_t netmask = info.Length() > 4 && info[4].IsNumber() ? info[4].As<Napi::Number>().Uint32Value() : 0;
  int fileOrder = info.Length() > 5 && info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : -1;
  char err[PCAP_ERRBUF_SIZE];
  err[0] = 0;
  pcap_t* p = CompileHandle(linktype, snaplen, fileOrder, err);
  Napi::Object o = Napi::Object::New(env);
  if (p == nullptr) {
    o.Set("error", std::string(err[0] ? err : "pcap_open_dead failed"));
    return o;
  }
  struct bpf_program prog;
  if (pcap_compile(p, &prog, rule.c_str(), optimize, netmask) != 0) {
    o.Set("error", std::string(pcap_geterr(p)));
    pcap_close(p);
    return o;
  }
  Napi::Uint32Array a = Napi::Uint32Array::New(env, static_cast<size_t>(prog.bf_len) * 4);
  for (u_int i = 0; i < prog.bf_len; i++) {
    a[i * 4 + 0] = prog.bf_insns[i].code;
    a[i * 4 + 1] = prog.bf_insns[i].jt;
    a[i * 4 + 2] = prog.bf_insns[i].jf;
    a[i * 4 + 3] = prog.bf_insns[i].k;
  }
  pcap_freecode(&prog);
  pcap_close(p);
  o.Set("insns", a);
  return o;
}

// findAllDevs() -> { devs: [{ name, description, addrs: [{ family: 4|6, addr: Buffer }
// | { family: other }] }] } or { error }. Addresses keep libpcap's order; the CLI picks
// the first IPv4/IPv6 one as p0f does.
Napi::Value FindAllDevs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char err[PCAP_ERRBUF_SIZE];
  err[0] = 0;
  pcap_if_t* all = nullptr;
  Napi::Object o = Napi::Object::New(env);
  if (pcap_findalldevs(&all, err) == -1) {
    o.Set("error", std::string(err));
    return o;
  }
  Napi::Array devs = Napi::Array::New(env);
  uint32_t i = 0;
  for (pcap_if_t* d = all; d != nullptr; d = d->next) {
    Napi::Object dev = Napi::Object::New(env);
    dev.Set("name", d->name ? d->name : "");
    if (d->description) dev.Set("description", d->description);
    else dev.Set("description", env.Null());
    dev.Set("flags", Napi::Number::New(env, d->flags));
    Napi::Array addrs = Napi::Array::New(env);
    uint32_t j = 0;
    for (pcap_addr_t* a = d->addresses; a != nullptr; a = a->next) {
      if (a->addr == nullptr) continue;
      Napi::Object ao = Napi::Object::New(env);
      if (a->addr->sa_family == AF_INET) {
        const auto* sin = reinterpret_cast<const struct sockaddr_in*>(a->addr);
        ao.Set("family", 4);
        ao.Set("addr", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4));
      } else if (a->addr->sa_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(a->addr);
        ao.Set("family", 6);
        ao.Set("addr", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16));
      } else {
        ao.Set("family", Napi::Number::New(env, -static_cast<int>(a->addr->sa_family)));
      }
      addrs.Set(j++, ao);
    }
    dev.Set("addrs", addrs);
    devs.Set(i++, dev);
  }
  pcap_freealldevs(all);
  o.Set("devs", devs);
  return o;
}

// lookupDev() -> { name } or { error }: the interface p0f picks when -i is not given.
Napi::Value LookupDev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char err[PCAP_ERRBUF_SIZE];
  err[0] = 0;
  Napi::Object o = Napi::Object::New(env);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  char* dev = pcap_lookupdev(err);
#pragma GCC diagnostic pop
  if (dev == nullptr) o.Set("error", std::string(err));
  else o.Set("name", std::string(dev));
  return o;
}

// getpwnam(name) -> { name, uid, gid, dir, shell } or null (errno in .errno when it failed
// for another reason than "no such user").
Napi::Value GetPwNam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(sz > 0 ? static_cast<size_t>(sz) : 16384);
  struct passwd pw;
  struct passwd* res = nullptr;
  int r;
  while ((r = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res)) == ERANGE) {
    buf.resize(buf.size() * 2);
  }
  if (res == nullptr) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", pw.pw_name);
  o.Set("uid", Napi::Number::New(env, pw.pw_uid));
  o.Set("gid", Napi::Number::New(env, pw.pw_gid));
  o.Set("dir", pw.pw_dir ? pw.pw_dir : "");
  o.Set("shell", pw.pw_shell ? pw.pw_shell : "");
  return o;
}

// flock(fd, operation) -> 0 or errno. operation uses LOCK_* values (LOCK_EX|LOCK_NB = 6).
Napi::Value Flock(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();
  int r;
  do { r = flock(fd, op); } while (r != 0 && errno == EINTR);
  return ErrnoResult(info.Env(), r == 0 ? 0 : errno);
}

// chroot(path) -> 0 or errno.
Napi::Value Chroot(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return ErrnoResult(info.Env(), chroot(path.c_str()) == 0 ? 0 : errno);
}

// setsid() -> new session id, or -errno.
Napi::Value SetSid(const Napi::CallbackInfo& info) {
  pid_t r = setsid();
  return Napi::Number::New(info.Env(), r < 0 ? -errno : r);
}

// dup2(from, to) -> 0 or errno. Node cannot re-point its standard descriptors; the daemon
// child needs that to hand its output over the way p0f's fork_off() does.
Napi::Value Dup2(const Napi::CallbackInfo& info) {
  int from = info[0].As<Napi::Number>().Int32Value();
  int to = info[1].As<Napi::Number>().Int32Value();
  int r;
  do { r = dup2(from, to); } while (r < 0 && errno == EINTR);
  return ErrnoResult(info.Env(), r < 0 ? errno : 0);
}

// strerror(errno) -> the C library's text, for p0f's "OS message" lines.
Napi::Value StrError(const Napi::CallbackInfo& info) {
  int e = info[0].As<Napi::Number>().Int32Value();
  return Napi::String::New(info.Env(), std::strerror(e));
}

Napi::Value LibVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), pcap_lib_version());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Capture", Capture::Init(env));
  exports.Set("openLive", Napi::Function::New(env, OpenLive));
  exports.Set("compileFilter", Napi::Function::New(env, CompileFilter));
  exports.Set("findAllDevs", Napi::Function::New(env, FindAllDevs));
  exports.Set("lookupDev", Napi::Function::New(env, LookupDev));
  exports.Set("getpwnam", Napi::Function::New(env, GetPwNam));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("chroot", Napi::Function::New(env, Chroot));
  exports.Set("setsid", Napi::Function::New(env, SetSid));
  exports.Set("dup2", Napi::Function::New(env, Dup2));
  exports.Set("strerror", Napi::Function::New(env, StrError));
  exports.Set("libVersion", Napi::Function::New(env, LibVersion));
  exports.Set("LOCK_SH", Napi::Number::New(env, LOCK_SH));
  exports.Set("LOCK_EX", Napi::Number::New(env, LOCK_EX));
  exports.Set("LOCK_NB", Napi::Number::New(env, LOCK_NB));
  exports.Set("LOCK_UN", Napi::Number::New(env, LOCK_UN));
  return exports;
}

}  // namespace

NODE_API_MODULE(p0f_pcap, Init)
