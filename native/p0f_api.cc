// Socket I/O for the p0f API server (src/api/native-io.ts), in the Node.js event loop.
//
// JavaScript accepts each API connection and hands its descriptor over (we keep a dup).
// From then on this code reads queries and writes answers itself: each client socket has
// a libuv poll handle, so all of them are watched by the loop's own epoll. In the loop's
// poll phase every ready client is read and its complete 21-byte queries are appended to
// one shared buffer; right after that phase (a check handle) JavaScript is called once to
// answer the whole batch from the host table (232 bytes each, into a second shared
// buffer), and the answers go straight back with one write() per client. So the per-query
// cost is two system calls, and crossing into JavaScript is paid once per loop turn, not
// once per query.
//
// Robustness is the point of the exercise as much as speed: a client that vanishes gets
// EPIPE/ECONNRESET here (SIGPIPE is ignored by Node), a client that does not read has its
// answers queued and, past a limit, its queries left unread; nothing blocks.

#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vector>

namespace {

constexpr size_t QSZ = 21;
constexpr size_t RSZ = 232;
// Unwritten answer bytes past which a client's queries are no longer read.
constexpr size_t OUT_HIGH = 256 * 1024;

struct Ctx;

struct Client {
  uv_poll_t poll;  // poll.data == this
  Ctx* ctx = nullptr;
  int id = -1;
  int fd = -1;
  unsigned char in[QSZ];
  size_t inlen = 0;
  std::vector<unsigned char> out;
  size_t outoff = 0;
  int uvEvents = 0;
  bool eof = false;
  bool dead = false;
  bool touched = false;
  double blockedSince = 0;  // uv_now() ms when the backlog passed OUT_HIGH, 0 if not
  size_t pending() const { return out.size() - outoff; }
};

struct Ctx {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  uv_check_t* check = nullptr;
  bool checkActive = false;
  napi_ref onQueries = nullptr;
  napi_ref onClosed = nullptr;
  napi_ref bufs[3] = {nullptr, nullptr, nullptr};
  napi_async_context actx = nullptr;
  unsigned char* qbuf = nullptr;
  int32_t* qids = nullptr;
  unsigned char* rbuf = nullptr;
  size_t qcap = 0;
  size_t count = 0;              // queries in the current batch
  std::vector<Client*> clients;  // by id
  std::vector<int> freeIds;
  std::vector<unsigned char> tmp = std::vector<unsigned char>(65536);
  std::vector<int> touched;  // clients seen since the last batch
  bool destroyed = false;
};

void onCheck(uv_check_t* h);

void scheduleBatch(Ctx* c) {
  if (!c->checkActive) {
    c->checkActive = true;
    uv_check_start(c->check, onCheck);
  }
}

void setEvents(Client* cl);
void onClientPoll(uv_poll_t* h, int status, int events);

void setEvents(Client* cl) {
  int want = 0;
  if (!cl->eof && cl->pending() <= OUT_HIGH) want |= UV_READABLE;
  if (cl->pending()) want |= UV_WRITABLE;
  if (want == cl->uvEvents) return;
  cl->uvEvents = want;
  if (want) uv_poll_start(&cl->poll, want, onClientPoll);
  else uv_poll_stop(&cl->poll);
}

void dropClient(Ctx* c, int id) {
  Client* cl = c->clients[id];
  if (!cl) return;
  c->clients[id] = nullptr;
  c->freeIds.push_back(id);
  cl->dead = true;
  uv_poll_stop(&cl->poll);
  // The descriptor is closed once libuv is done with the handle.
  uv_close(reinterpret_cast<uv_handle_t*>(&cl->poll), [](uv_handle_t* h) {
    Client* x = static_cast<Client*>(h->data);
    close(x->fd);
    delete x;
  });
}

// Write what is queued; returns false on a fatal socket error.
bool flush(Client* cl) {
  while (cl->pending()) {
    ssize_t w = write(cl->fd, cl->out.data() + cl->outoff, cl->pending());
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return true;
      return false;
    }
    cl->outoff += (size_t)w;
  }
  cl->out.clear();
  cl->outoff = 0;
  return true;
}

// Send answers: straight to the socket when nothing is queued, else behind the queue.
bool sendAnswers(Client* cl, const unsigned char* p, size_t len) {
  if (!cl->pending()) {
    while (len) {
      ssize_t w = write(cl->fd, p, len);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return false;
      }
      p += w;
      len -= (size_t)w;
    }
    if (!len) return true;
  }
  if (cl->outoff && cl->outoff == cl->out.size()) {
    cl->out.clear();
    cl->outoff = 0;
  }
  cl->out.insert(cl->out.end(), p, p + len);
  return true;
}

void callJs(Ctx* c, napi_ref fnRef, napi_value arg) {
  napi_env env = c->env;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, fnRef, &fn) != napi_ok || !fn) return;
  napi_get_global(env, &recv);  // napi_make_callback wants an object receiver
  napi_status st = napi_make_callback(env, c->actx, recv, fn, 1, &arg, &result);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

// A client socket is ready: read its queries into the batch, or write what it has queued.
void onClientPoll(uv_poll_t* h, int status, int events) {
  Client* cl = static_cast<Client*>(h->data);
  Ctx* c = cl->ctx;
  if (c->destroyed || cl->dead) return;
  if (!cl->touched) {
    cl->touched = true;
    c->touched.push_back(cl->id);
  }
  scheduleBatch(c);
  if (status < 0) {
    cl->dead = true;
    return;
  }
  if (events & UV_WRITABLE) {
    if (!flush(cl)) {
      cl->dead = true;
      return;
    }
    if (cl->pending() <= OUT_HIGH) cl->blockedSince = 0;
  }
  if (!(events & UV_READABLE) || cl->eof || cl->pending() > OUT_HIGH) return;
  // Read no more than the batch can hold, so every complete query has a place.
  size_t room = (c->qcap - c->count) * QSZ;
  if (room <= cl->inlen) return;  // batch full: the handle fires again next turn
  size_t want = room - cl->inlen;
  if (want > c->tmp.size()) want = c->tmp.size();
  unsigned char* tmp = c->tmp.data();
  ssize_t r;
  do r = read(cl->fd, tmp, want); while (r < 0 && errno == EINTR);
  if (r == 0) {
    cl->eof = true;  // half-closed: answer what came, then close
    return;
  }
  if (r < 0) {
    if (errno != EAGAIN) cl->dead = true;
    return;
  }
  const unsigned char* p = tmp;
  size_t left = (size_t)r;
  if (cl->inlen) {
    size_t need = QSZ - cl->inlen;
    size_t k = left < need ? left : need;
    memcpy(cl->in + cl->inlen, p, k);
    cl->inlen += k;
    p += k;
    left -= k;
    if (cl->inlen == QSZ) {
      memcpy(c->qbuf + c->count * QSZ, cl->in, QSZ);
      c->qids[c->count++] = cl->id;
      cl->inlen = 0;
    }
  }
  while (left >= QSZ) {
    memcpy(c->qbuf + c->count * QSZ, p, QSZ);
    c->qids[c->count++] = cl->id;
    p += QSZ;
    left -= QSZ;
  }
  if (left) {
    memcpy(cl->in, p, left);
    cl->inlen = left;
  }
}

// After the poll phase: answer the batch in one call into JavaScript, then write.
void onCheck(uv_check_t* h) {
  Ctx* c = static_cast<Ctx*>(h->data);
  uv_check_stop(h);
  c->checkActive = false;
  if (c->destroyed) return;
  napi_env env = c->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  size_t count = c->count;
  c->count = 0;
  if (count) {
    napi_value arg;
    napi_create_uint32(env, (uint32_t)count, &arg);
    callJs(c, c->onQueries, arg);
    if (c->destroyed) {
      napi_close_handle_scope(env, scope);
      return;
    }
    // Each client's queries are contiguous in the batch: one write per client.
    size_t i = 0;
    while (i < count) {
      int id = c->qids[i];
      size_t j = i + 1;
      while (j < count && c->qids[j] == id) j++;
      Client* cl = (size_t)id < c->clients.size() ? c->clients[id] : nullptr;
      if (cl && !cl->dead && !sendAnswers(cl, c->rbuf + i * RSZ, (j - i) * RSZ)) cl->dead = true;
      i = j;
    }
  }
  double now = (double)uv_now(c->loop);
  std::vector<int> touched;
  touched.swap(c->touched);
  for (int id : touched) {
    if ((size_t)id >= c->clients.size()) continue;
    Client* cl = c->clients[id];
    if (!cl) continue;
    cl->touched = false;
    if (!cl->dead && cl->eof && !cl->pending()) cl->dead = true;
    if (cl->dead) {
      dropClient(c, id);
      napi_value arg;
      napi_create_int32(env, id, &arg);
      callJs(c, c->onClosed, arg);
      if (c->destroyed) break;
      continue;
    }
    if (cl->pending() > OUT_HIGH && !cl->blockedSince) cl->blockedSince = now;
    setEvents(cl);
  }
  touched.clear();
  if (c->touched.empty()) c->touched.swap(touched);  // keep the capacity
  napi_close_handle_scope(env, scope);
}

void destroyCtx(Ctx* c) {
  if (c->destroyed) return;
  c->destroyed = true;
  for (size_t i = 0; i < c->clients.size(); i++) {
    if (c->clients[i]) dropClient(c, (int)i);
  }
  if (c->check) {
    uv_check_stop(c->check);
    uv_close(reinterpret_cast<uv_handle_t*>(c->check), [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    c->check = nullptr;
  }
  napi_env env = c->env;
  if (c->onQueries) napi_delete_reference(env, c->onQueries);
  if (c->onClosed) napi_delete_reference(env, c->onClosed);
  for (auto& r : c->bufs) {
    if (r) napi_delete_reference(env, r);
    r = nullptr;
  }
  if (c->actx) napi_async_destroy(env, c->actx);
  c->onQueries = c->onClosed = nullptr;
  c->actx = nullptr;
}

Ctx* getCtx(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok) return nullptr;
  return static_cast<Ctx*>(p);
}

napi_value throwErr(napi_env env, const char* msg) {
  napi_throw_error(env, nullptr, msg);
  return nullptr;
}

// create(queries: Buffer, ids: Int32Array, answers: Buffer, onQueries(n), onClosed(id)) -> ctx
napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return throwErr(env, "create: 5 arguments expected");
  Ctx* c = new Ctx();
  c->env = env;
  size_t qlen = 0, rlen = 0, idn = 0;
  void* qdata = nullptr;
  void* rdata = nullptr;
  void* iddata = nullptr;
  napi_typedarray_type tt;
  napi_value ab;
  size_t off;
  if (napi_get_buffer_info(env, argv[0], &qdata, &qlen) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &tt, &idn, &iddata, &ab, &off) != napi_ok || tt != napi_int32_array ||
      napi_get_buffer_info(env, argv[2], &rdata, &rlen) != napi_ok) {
    delete c;
    return throwErr(env, "create: bad buffers");
  }
  c->qcap = qlen / QSZ;
  if (idn < c->qcap) c->qcap = idn;
  if (rlen / RSZ < c->qcap) c->qcap = rlen / RSZ;
  if (!c->qcap) {
    delete c;
    return throwErr(env, "create: buffers too small");
  }
  c->qbuf = static_cast<unsigned char*>(qdata);
  c->qids = static_cast<int32_t*>(iddata);
  c->rbuf = static_cast<unsigned char*>(rdata);
  for (int i = 0; i < 3; i++) napi_create_reference(env, argv[i], 1, &c->bufs[i]);
  napi_create_reference(env, argv[3], 1, &c->onQueries);
  napi_create_reference(env, argv[4], 1, &c->onClosed);
  napi_value name;
  napi_create_string_utf8(env, "p0f-api", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, nullptr, name, &c->actx);

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  if (!loop) {
    destroyCtx(c);
    delete c;
    return throwErr(env, "create: no event loop");
  }
  c->loop = loop;
  c->check = new uv_check_t;
  uv_check_init(loop, c->check);
  c->check->data = c;
  // Only the clients' poll handles (and the server's own) keep the loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(c->check));

  napi_value ext;
  napi_create_external(env, c, [](napi_env, void* data, void*) {
    Ctx* cc = static_cast<Ctx*>(data);
    destroyCtx(cc);
    delete cc;
  }, nullptr, &ext);
  return ext;
}

// adopt(ctx, fd) -> id: take over a connected socket (a dup of fd; the caller closes fd).
napi_value Adopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Ctx* c = argc >= 2 ? getCtx(env, argv[0]) : nullptr;
  int32_t fd = -1;
  if (!c || c->destroyed || napi_get_value_int32(env, argv[1], &fd) != napi_ok || fd < 0) {
    return throwErr(env, "adopt: bad arguments");
  }
  int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (nfd < 0) return throwErr(env, "adopt: dup failed");
  fcntl(nfd, F_SETFL, fcntl(nfd, F_GETFL) | O_NONBLOCK);
  int id;
  if (!c->freeIds.empty()) {
    id = c->freeIds.back();
    c->freeIds.pop_back();
  } else {
    id = (int)c->clients.size();
    c->clients.push_back(nullptr);
  }
  Client* cl = new Client();
  cl->ctx = c;
  cl->id = id;
  cl->fd = nfd;
  if (uv_poll_init(c->loop, &cl->poll, nfd) != 0) {
    close(nfd);
    delete cl;
    c->freeIds.push_back(id);
    return throwErr(env, "adopt: uv_poll_init failed");
  }
  cl->poll.data = cl;
  cl->uvEvents = UV_READABLE;
  uv_poll_start(&cl->poll, UV_READABLE, onClientPoll);
  c->clients[id] = cl;
  napi_value out;
  napi_create_int32(env, id, &out);
  return out;
}

// drop(ctx, id): close a client (no onClosed call).
napi_value Drop(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Ctx* c = argc >= 2 ? getCtx(env, argv[0]) : nullptr;
  int32_t id = -1;
  if (c && !c->destroyed && napi_get_value_int32(env, argv[1], &id) == napi_ok && id >= 0 &&
      (size_t)id < c->clients.size()) {
    dropClient(c, id);
  }
  return nullptr;
}

// state(ctx, id) -> [pendingBytes, blockedSinceMs] or undefined
napi_value State(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Ctx* c = argc >= 2 ? getCtx(env, argv[0]) : nullptr;
  int32_t id = -1;
  if (!c || c->destroyed || napi_get_value_int32(env, argv[1], &id) != napi_ok || id < 0 ||
      (size_t)id >= c->clients.size() || !c->clients[id]) {
    return nullptr;
  }
  Client* cl = c->clients[id];
  napi_value arr, a, b;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_double(env, (double)cl->pending(), &a);
  napi_create_double(env, cl->blockedSince, &b);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  return arr;
}

// destroy(ctx): close every client and stop watching.
napi_value Destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Ctx* c = argc >= 1 ? getCtx(env, argv[0]) : nullptr;
  if (c) destroyCtx(c);
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback fn; } fns[] = {
    {"create", Create}, {"adopt", Adopt}, {"drop", Drop}, {"state", State}, {"destroy", Destroy},
  };
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
