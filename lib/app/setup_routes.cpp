// The guided setup: the receiving wallet, the client key, the key test and what was saved.
#include "app/admin_routes.h"
#include "app/op_config.h"
#include "app/route_support.h"
#include "app/setup_state.h"
#include "core/crypto.h"
#include "openpayments/client.h"
#include "openpayments/errors.h"
#include "openpayments/keys.h"

namespace wm::app {

namespace {

using json = nlohmann::json;
using http::Access;
using http::Request;
using http::Response;

struct KeyInput {
  std::string key_id;       // "" with generate: a fresh "owncast-wm-<hex>"
  bool generate = false;
  std::string private_key;  // PEM or base64 PEM, when not generating
};

KeyInput key_input(const json& body) {
  return {str(body, "keyId"), body.value("generate", false), str(body, "privateKey")};
}

// A client for lookups that need no signature (wallet address documents), with the same
// transport rules (SSRF guard, dev hosts, timeout) as the tip client.
openpayments::Client lookup_client(const Config& c) {
  auto cc = op_client_config(c, false);
  return openpayments::Client(cc ? *cc : openpayments::ClientConfig{});
}

json wallet_json(const openpayments::WalletAddress& w) {
  return {{"id", w.id},
          {"publicName", w.public_name ? json(*w.public_name) : json(nullptr)},
          {"assetCode", w.asset_code},
          {"assetScale", w.asset_scale},
          {"authServer", w.auth_server},
          {"resourceServer", w.resource_server}};
}

void set_wallet(const AdminContext& ctx, const std::string& typed, Response& res) {
  if (typed.empty() || typed.size() > 2048)
    return http::json_error(res, 400, "invalid_wallet_address", "walletAddress is required");
  if (ctx.settings->pinned("wallet-address"))
    return http::json_error(res, 409, "pinned", "wallet-address is set by a flag; change it there");
  auto client = lookup_client(ctx.settings->effective());
  auto w = client.get_wallet_address(openpayments::wallet_address_url(typed));
  if (!w) {  // a person's sentence (openpayments/errors.h); 502 only when nobody answered
    const auto p = openpayments::for_person(w.error(), openpayments::Step::setup_wallet);
    return http::json_error(res, p.fault == openpayments::Fault::unreachable ? 502 : 400, "wallet_unreachable",
                            p.message);
  }
  if (!w->public_name || w->public_name->empty())
    return http::json_error(res, 400, "missing_public_name",
                            "this wallet address has no public name; wallets refuse interactive "
                            "grants for it. Set a public name in your wallet");
  if (auto s = ctx.settings->set("wallet-address", w->id, WalletAsset{w->asset_code, w->asset_scale}); !s)
    return error_reply(res, 400, s.error());
  if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
  record_wallet_check(*ctx.store, wallet_json(*w));
  http::json_reply(res, 200, wallet_json(*w));
}

void set_key(const AdminContext& ctx, KeyInput in, Response& res) {
  if (ctx.settings->pinned("key-file") || ctx.settings->pinned("key-id"))
    return http::json_error(res, 409, "pinned", "the client key is set by flags; change it there");
  if (in.key_id.empty() && in.generate) in.key_id = "owncast-wm-" + crypto::hex(crypto::random_bytes(4));
  if (in.key_id.empty() || in.key_id.size() > 256)
    return http::json_error(res, 400, "invalid_key_id", "keyId is required (the key id your wallet shows)");
  auto key = in.generate ? openpayments::PrivateKey::generate() : openpayments::PrivateKey::from_pem(in.private_key);
  if (!key) return error_reply(res, 400, key.error());
  const std::string path = ctx.data_dir + "/client-key.pem";
  if (auto s = key->write_pem_file(path, true); !s) return error_reply(res, 500, s.error());
  auto r = ctx.settings->update({{"key-id", in.key_id}, {"key-file", path}});
  if (!r) return error_reply(res, 400, r.error());
  if (auto s = ctx.reconfigure(); !s) return error_reply(res, 400, s.error());
  http::json_reply(res, 200,
                   {{"keyId", in.key_id},
                    {"generated", in.generate},
                    {"jwk", key->public_jwk(in.key_id)},
                    {"instructions",
                     "Upload this public key in your wallet provider's developer keys for your wallet "
                     "address, with the key id shown. The private key stays on this server (" +
                         path + ", mode 0600)."}});
}

// A real signed grant request; the outcome is recorded for the setup state either way.
void test_key(const AdminContext& ctx, Response& res) {
  const Config c = ctx.settings->effective();
  auto fail = [&](const std::string& code, const std::string& message) {
    record_key_test(*ctx.store, c, false, code, message);
    http::json_reply(res, 200, {{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
  };
  if (c.wallet_address.empty()) return fail("not_configured", "set the receiving wallet address first");
  if (c.key_id.empty() || c.key_file.empty()) return fail("not_configured", "add a client key first");
  auto cc = op_client_config(c, true);
  if (!cc) return fail(cc.error().code, cc.error().message);
  openpayments::Client client(*cc);
  auto w = client.get_wallet_address(openpayments::wallet_address_url(c.wallet_address));
  if (!w) return fail("wallet_unreachable", openpayments::for_person(w.error(), openpayments::Step::setup_wallet).message);
  openpayments::GrantRequest g;
  g.access.push_back({"incoming-payment", {"create", "read"}, std::nullopt, std::nullopt});
  auto grant = client.request_grant(w->auth_server, g);
  if (!grant) {
    std::string code = grant.error().code.empty() ? "grant_refused" : grant.error().code;
    return fail(code, openpayments::for_person(grant.error(), openpayments::Step::key_test).message);
  }
  // Leave no live token behind.
  if (grant->access_token) (void)client.revoke_token(*grant->access_token);
  if (grant->continuation) (void)client.cancel_grant(*grant->continuation);
  record_key_test(*ctx.store, c, true, "", "");
  http::json_reply(res, 200, {{"ok", true}, {"authServer", w->auth_server}});
}

}  // namespace

void register_setup_routes(http::Server& server, const AdminContext& ctx) {
  const size_t max_body = ctx.max_body;
  server.post("/plugins/wm/api/setup/wallet", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    if (auto body = http::json_body(req, res, max_body)) set_wallet(ctx, str(*body, "walletAddress"), res);
  });
  server.post("/plugins/wm/api/setup/key", Access::admin, [ctx, max_body](const Request& req, Response& res) {
    if (auto body = http::json_body(req, res, max_body)) set_key(ctx, key_input(*body), res);
  });
  server.post("/plugins/wm/api/setup/key/test", Access::admin,
              [ctx](const Request&, Response& res) { test_key(ctx, res); });
  server.get("/plugins/wm/api/setup/state", Access::admin, [ctx](const Request&, Response& res) {
    http::json_reply(res, 200, setup_state(*ctx.store, ctx.settings->effective()));
  });
}

}  // namespace wm::app
