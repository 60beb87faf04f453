# kimage: `make demo` boots the example, `make test` runs every test.
SWIFT   ?= swift
PREFIX  ?= /usr/local
DEBUG_BIN   := .build/debug/kimage
RELEASE_BIN := .build/release/kimage

.PHONY: all bootstrap build release test demo bench fuzz install clean generate

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build

# Static Swift runtime: the installed binary runs without the toolchain's libraries, and starts
# faster (no dynamic loading of Foundation and ICU).
release: bootstrap
	$(SWIFT) build -c release --static-swift-stdlib

test: build
	$(SWIFT) build --build-tests
	KIMAGE_BIN=$(CURDIR)/$(DEBUG_BIN) $(SWIFT) test --skip-build

# Every generated file, in dependency order: the includes come from the layout declarations, the
# stubs include them, the embedded templates carry bootinfo.h. Tests fail when one is stale.
generate: build
	$(DEBUG_BIN) generate-includes $(CURDIR)
	scripts/gen-stubs
	scripts/gen-templates

demo: build
	@scripts/demo $(CURDIR)/$(DEBUG_BIN)

bench: release
	@scripts/bench $(CURDIR)/$(RELEASE_BIN)

FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
fuzz: bootstrap
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kimage
	install -m 0755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/kimage
	cp -R templates/. $(DESTDIR)$(PREFIX)/share/kimage/
	@# templates/ld/layout.ld has placeholders: install each layout's script as kimage init renders it.
	rm -f $(DESTDIR)$(PREFIX)/share/kimage/ld/layout.ld
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; for l in gopher kernel jinue; do \
	    $(RELEASE_BIN) init "$$tmp/$$l" --layout $$l >/dev/null; \
	    install -m 0644 "$$tmp/$$l/linker.ld" $(DESTDIR)$(PREFIX)/share/kimage/ld/$$l.ld; done

clean:
	rm -rf .build
