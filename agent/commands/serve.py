"""`cpagent serve`: our JAX policy model behind an OpenAI-compatible HTTP API.

Any OpenAI client (and `--policy openai:URL` on another machine) can then sample from it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from agent import ui

EPILOG = """examples:
  cpagent serve --checkpoint runs/pretrain/ckpt --port 8000
  cpagent serve --checkpoint ~/gemma/codegemma-2b --host 0.0.0.0 --dtype bfloat16
  curl http://127.0.0.1:8000/v1/completions -d '{"prompt": "int main", "max_tokens": 32, "n": 4}'
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the policy model over an OpenAI-compatible HTTP API", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve a cpagent checkpoint (or a Gemma/CodeGemma Flax checkpoint) with /v1/models, "
        "/v1/completions and /v1/chat/completions.",
    )
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="checkpoint directory (default: $CPAGENT_CHECKPOINT)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    p.add_argument("--port", type=int, default=8000, help="port (0 picks a free one; default 8000)")
    p.add_argument("--model-name", default=None, help="the model id clients request (default: directory name)")
    p.add_argument("--batch-size", type=int, default=16, help="samples decoded together (default 16)")
    p.add_argument("--dtype", choices=("float32", "bfloat16"), default=None, help="convert parameters on load")
    p.add_argument("--json", action="store_true", help="print {url, host, port, model} as JSON once listening")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from policy_model import PolicyError, PolicyServer, load_any_checkpoint, make_server

    path = args.checkpoint or (Path(os.environ["CPAGENT_CHECKPOINT"]) if os.environ.get("CPAGENT_CHECKPOINT") else None)
    if path is None:
        raise PolicyError("no checkpoint to serve",
                          hint="give one: cpagent serve --checkpoint DIR (or set CPAGENT_CHECKPOINT)")
    if args.batch_size < 1:
        raise PolicyError("--batch-size must be at least 1")
    ui.info(f"loading {path}")
    checkpoint = load_any_checkpoint(path, dtype=args.dtype)
    name = args.model_name or Path(path).resolve().name
    app = PolicyServer(checkpoint, model_name=name, max_batch=args.batch_size)
    server = make_server(app, args.host, args.port)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}/v1"
    ui.info(f"serving {name} ({checkpoint.config.num_params / 1e6:.1f}M parameters) on {url}")
    if args.json:
        ui.print_json({"url": url, "host": host, "port": port, "model": name})
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        ui.info("stopped")
    finally:
        server.server_close()
    return 0
