# Hongyan — two commands do everything:  make run  |  make test
# Other targets: make deps, make app, make bench, make bench-churn, make bundle, make clean-dev.

SHELL := /bin/bash
ROOT  := $(abspath .)
APT_PACKAGES := build-essential pkg-config curl wget file openssl \
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev librsvg2-bin \
  prosody lua-dbi-sqlite3 ejabberd python3-venv \
  xvfb xauth webkit2gtk-driver dbus-x11 gnome-keyring dunst libnotify-bin imagemagick \
  fonts-noto-cjk fonts-noto-color-emoji xdotool
TOOLS := $(ROOT)/.tools
VENV  := $(ROOT)/.venv

.PHONY: all deps apt npm venv tools ui app run test test-rust test-ui test-e2e bench bench-churn bundle clean-dev

all: app

## ---- dependencies (idempotent; a fresh Debian 12 / Ubuntu machine needs nothing else) ----
deps: apt npm venv tools

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages. Run:"; echo "  sudo apt-get install -y $$missing"; exit 1; \
	  fi; \
	fi

npm: ui/node_modules/.package-lock.json
ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	npm --prefix ui ci --no-audit --no-fund
	@touch $@

venv: $(VENV)/.ready
$(VENV)/.ready: tests/peer/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/peer/requirements.txt
	@touch $@

tools: $(TOOLS)/bin/tauri-driver
$(TOOLS)/bin/tauri-driver:
	cargo install --locked --root $(TOOLS) tauri-driver

## ---- build ----
ui: npm
	npm --prefix ui run build

app: apt ui
	cargo build -p hongyan

## ---- run: the app plus a local sandbox server (Prosody on loopback, open registration) ----
run: apt npm app
	src-tauri/sandbox/run.sh target/debug/hongyan

## ---- tests: every suite; non-zero exit on any failure ----
test: deps ui
	$(MAKE) test-rust
	$(MAKE) test-ui
	$(MAKE) test-e2e

test-rust:
	cargo test --workspace --exclude hongyan-tests
	cargo test -p hongyan-tests --test harness --test engine -- --test-threads 2

test-ui: npm
	npm --prefix ui test

test-e2e: app tools venv
	cargo test -p hongyan-tests --test e2e -- --test-threads 1

## ---- benchmarks: figures, not pass/fail ----
# The app benchmark: 200 contacts on a local Prosody, the release app signed in at start, and a
# minimal Tauri window as the reference (tests/bench/app_bench.rs; its environment knobs are
# listed there). `make bench-churn CHURN=3600`: one launch online for an hour of presence churn.
bench: apt ui venv
	cargo bench -p hongyan-store
	cargo build -q --release -p hongyan -p hongyan-minimal-window
	HONGYAN_APP=$(ROOT)/target/release/hongyan cargo run -q -p hongyan-tests --bin app-bench --release

CHURN ?= 3600
bench-churn: apt ui venv
	cargo build -q --release -p hongyan -p hongyan-minimal-window
	HONGYAN_APP=$(ROOT)/target/release/hongyan HONGYAN_BENCH_CHURN=$(CHURN) cargo run -q -p hongyan-tests --bin app-bench --release

## ---- installable bundles (.deb/.rpm here; .msi/.dmg on their own OS) ----
bundle: apt npm
	ui/node_modules/.bin/tauri build --bundles deb,rpm

clean-dev:
	rm -rf .dev
