{
  "variables": {
    # FERRY_SANITIZE=1 node native/build.mjs: AddressSanitizer + UBSan build (gyp turns "1" into
    # the number 1, hence ==1 below). Load it with
    # LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" and
    # FERRY_NATIVE_ADDON=path/to/that/ferry_engine.node (native/index.ts loads it first).
    "ferry_sanitize%": "<!(echo ${FERRY_SANITIZE:-0})"
  },
  "targets": [
    {
      "target_name": "ferry_engine",
      "sources": [
        "src/addon.cc",
        "src/conflict.cc",
        "src/copy.cc",
        "src/entry.cc",
        "src/entry_foreign.cc",
        "src/entry_links.cc",
        "src/entry_move.cc",
        "src/explain.cc",
        "src/flush.cc",
        "src/extents.cc",
        "src/foreign.cc",
        "src/fsinfo.cc",
        "src/job.cc",
        "src/json.cc",
        "src/listing.cc",
        "src/meta.cc",
        "src/plan.cc",
        "src/probe.cc",
        "src/publish.cc",
        "src/reporter.cc",
        "src/runs.cc",
        "src/scan.cc",
        "src/tempfile.cc",
        "src/temps.cc",
        "src/util.cc",
        "src/walk.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE", "_FILE_OFFSET_BITS=64"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-fexceptions", "-Wall", "-Wextra", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "conditions": [
        ["ferry_sanitize==1", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
