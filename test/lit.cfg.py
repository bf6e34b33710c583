# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MIXPREC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mp_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "lit.local.cfg"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.mp_tools_dir, append_path=True)

# The project venv (made by utils/setup.sh) provides onnx/onnxruntime/numpy.
venv_python = os.path.join(config.mp_src_root, ".venv", "bin", "python")
python = venv_python if os.path.exists(venv_python) else "python3"
config.substitutions.insert(0, ("%mppython", python))
config.substitutions.append(("%mp_src_root", config.mp_src_root))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

try:
    subprocess.run([python, "-c", "import onnx, onnxruntime, numpy"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("onnxruntime")
except Exception:
    pass

# cuda-runtime: the CUDA runtime library was built (the toolkit's headers
# were found). cuda: it also finds a usable GPU, asked through the runtime's
# own probe (ctypes), so GPU tests run exactly where mp-run --device=cuda can.
if config.mp_cuda_runtime:
    config.available_features.add("cuda-runtime")
    import ctypes
    try:
        rt = ctypes.CDLL(os.path.join(config.mp_obj_root, "lib", "libmixprec_cuda_runtime.so"))
        why = ctypes.create_string_buffer(512)
        if rt.mpcudaProbe(why, ctypes.c_size_t(512)) == 0:
            config.available_features.add("cuda")
        else:
            lit_config.note("GPU tests are unsupported here: " + why.value.decode())
    except OSError as e:
        lit_config.note("GPU tests are unsupported here: " + str(e))

tools = [ToolSubst("mp-opt", unresolved="fatal"), ToolSubst("mp-run", unresolved="fatal")]
if os.path.exists(os.path.join(config.mp_tools_dir, "MixprecUnitTests")):
    config.available_features.add("gtest")
llvm_config.add_tool_substitutions(tools, [config.mp_tools_dir])
