{
  "targets": [
    {
      "target_name": "p0f_pcap",
      "sources": ["native/p0f_pcap.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "libraries": ["-lpcap"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "p0f_api",
      "sources": ["native/p0f_api.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
