#include "actors/consensus/sign_guard_actor.hpp"

#include "storage/sign_guard.hpp"

namespace tc {

sign_guard_actor::behavior_type sign_guard_file_impl(sign_guard_actor::pointer self,
                                                     std::string path) {
  (void)self;
  return {
      [path](guard_atom, const bytes& record) -> caf::result<bool> {
        if (auto s = sign_guard::store(path, record); !s.ok())
          return make_error(errc::store_failed, s.error_message());
        return true;
      },
  };
}

sign_guard_actor::behavior_type sign_guard_in_db_impl(sign_guard_actor::pointer self,
                                                      chain_actor chain) {
  return {
      [self, chain](guard_atom, const bytes& record) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        self->request(chain, wait_bound::pipeline, persist_atom::value, std::string("last_signed"),
                      record)
            .then([rp](bool ok) mutable { rp.deliver(ok); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

}  // namespace tc
