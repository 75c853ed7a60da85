#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "common/error.h"
#include "publish/credentials.h"
#include "publish/registry.h"

namespace hoist::cli {

namespace {

// The registry host a login names: "docker.io" when none is given, as docker does.
std::string login_host(const std::string& server) {
  if (server.empty()) return "docker.io";
  std::string host = publish::convert_to_hostname(server);
  if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
  return host;
}

std::string prompt(const char* label, bool echo) {
  std::fprintf(stderr, "%s", label);
  termios old{};
  bool tty = ::isatty(0) && ::tcgetattr(0, &old) == 0;
  if (tty && !echo) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(0, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty && !echo) {
    ::tcsetattr(0, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

void register_login(CLI::App& app, Globals& g) {
  struct Opts {
    std::string server, username, password;
    bool password_stdin = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("login", "Log in to a registry (credentials go to the docker config)");
  cmd->add_option("server", o->server, "Registry host (default: Docker Hub)");
  cmd->add_option("-u,--username", o->username, "Username");
  cmd->add_option("-p,--password", o->password, "Password (prefer --password-stdin)");
  cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from standard input");
  add_registry_flags(cmd, g);
  cmd->callback([o, &g] {
    // The command line is visible to every user of the machine (ps, /proc) and stays in shell history.
    if (!o->password.empty())
      std::fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (o->password_stdin && !o->password.empty()) throw Error("--password and --password-stdin are mutually exclusive");
    if (o->password_stdin && o->username.empty()) throw Error("--password-stdin needs --username");
    std::string host = login_host(o->server);
    std::string user = o->username.empty() ? prompt("Username: ", true) : o->username;
    std::string pass = o->password;
    if (o->password_stdin) {
      pass.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      // Exactly one trailing newline goes, as docker strips it (`echo $TOKEN | … --password-stdin`).
      if (pass.ends_with("\n")) pass.pop_back();
      if (pass.ends_with("\r")) pass.pop_back();
    } else if (pass.empty()) {
      pass = prompt("Password: ", false);
    }
    if (user.empty() || pass.empty()) throw Error("username and password are required to log in to " + host);
    publish::Credentials creds;
    creds.username = user;
    creds.password = pass;
    auto remote = open_registry(g, host, creds);
    bool ok = with_context("logging in to " + host, [&] { return remote.registry->check_login(); });
    if (!ok) throw Error("unauthorized: " + host + " refused the username or password");
    publish::CredentialStore store;
    store.store(host, creds);
    std::printf("Login Succeeded\n");
  });
}

void register_logout(CLI::App& app, Globals&) {
  auto server = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("logout", "Remove the stored credentials of a registry");
  cmd->add_option("server", *server, "Registry host (default: Docker Hub)");
  cmd->callback([server] {
    std::string host = login_host(*server);
    publish::CredentialStore store;
    if (store.erase(host)) std::printf("Removing login credentials for %s\n", host.c_str());
    else std::printf("Not logged in to %s\n", host.c_str());
  });
}

}  // namespace hoist::cli
