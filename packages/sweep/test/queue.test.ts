/**
 * The queue's typed failures: a URL that is not redis://, and a Redis that does not answer.
 */
import { createServer } from "node:net"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Queue } from "../src/index.js"

const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.exit(effect)).then((exit) => {
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    return (exit.cause.reasons[0] as unknown as { error: { _tag: string; message: string } }).error
  })

/** A port nothing listens on: one the OS just gave out and took back. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 1))
    })
  })

describe("Queue", () => {
  it("parses redis:// URLs with credentials and a database", async () => {
    const c = await Effect.runPromise(Queue.parseUrl("redis://user:p%40ss@10.0.0.5:6380/2"))
    expect(c).toMatchObject({
      host: "10.0.0.5",
      port: 6380,
      username: "user",
      password: "p@ss",
      db: 2,
      tls: false
    })
    expect(await Effect.runPromise(Queue.parseUrl("rediss://h"))).toMatchObject({ port: 6379, tls: true })
  })

  it.each(["http://h:1", "redis:/", "localhost:6379", "redis://h/x"])(
    "rejects %s with InvalidQueueUrl",
    async (url) => {
      const error = await failureOf(Queue.parseUrl(url))
      expect(error._tag).toBe("InvalidQueueUrl")
      expect(error.message).toContain("expected redis://host:port")
    }
  )

  it("fails with QueueUnreachable, naming the socket error, when nothing listens", async () => {
    const port = await closedPort()
    const c = await Effect.runPromise(Queue.parseUrl(`redis://127.0.0.1:${port}`))
    const error = await failureOf(Queue.ping(c, 1000))
    expect(error._tag).toBe("QueueUnreachable")
    expect(error.message).toContain(`redis://127.0.0.1:${port}`)
    expect(error.message).toContain("ECONNREFUSED")
  })

  it("fails with QueueUnreachable when the server does not answer in time", async () => {
    // A TCP server that accepts and never speaks Redis.
    const sockets: Array<import("node:net").Socket> = []
    const silent = createServer((s) => void sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r))
    const address = silent.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const c = await Effect.runPromise(Queue.parseUrl(`redis://127.0.0.1:${port}`))
    const error = await failureOf(Queue.ping(c, 500))
    for (const s of sockets) s.destroy()
    silent.close()
    expect(error._tag).toBe("QueueUnreachable")
  })
})
