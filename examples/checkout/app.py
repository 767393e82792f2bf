from __future__ import annotations

import logging
import os

from aiohttp import web

import metrics
from handlers.checkout import routes as checkout_routes
from services.inventory import inventory_client

logger = logging.getLogger(__name__)


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        metrics.increment("http.500", tags={"path": request.path})
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return web.json_response({"error": "internal_server_error"}, status=500)


async def _close_clients(app: web.Application) -> None:
    await inventory_client.close()


def create_app() -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    app.add_routes(checkout_routes)
    app.on_cleanup.append(_close_clients)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(), host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
