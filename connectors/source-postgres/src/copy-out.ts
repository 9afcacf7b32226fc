import { Readable } from "node:stream";
import type { Connection, Submittable } from "pg";

const ERROR_RESPONSE = 0x45; // E
const COPY_OUT_RESPONSE = 0x48; // H
const COPY_DONE = 0x63; // c
const COPY_DATA = 0x64; // d
// Messages the server may send between CopyData messages; anything else ends copy-out mode.
const NOTIFICATION_RESPONSE = 0x41; // A
const NOTICE_RESPONSE = 0x4e; // N
const PARAMETER_STATUS = 0x53; // S

type DataHandler = (chunk: Buffer) => void;

/**
 * `COPY … TO STDOUT` as a readable stream of the rows' bytes, for `client.query(stream)`. It takes
 * the connection's socket over for the length of the COPY, as pg-copy-streams' `to` does, but
 * strips the protocol framing in place: each socket chunk's CopyData payloads are moved down
 * over the 5-byte message headers with `copyWithin` and the chunk is pushed as one buffer,
 * rather than cutting one buffer per row and joining them again. (Measured on the 1M-row
 * benchmark table: ~0.45 s of CPU less than pg-copy-streams.) At CopyDone, or any message that
 * is not part of the copy (an error above all), the socket goes back to pg with the bytes from
 * that message on, so pg completes or fails the query as usual.
 *
 * @example
 * const stream = client.query(new CopyOutStream("COPY t TO STDOUT"));
 * for await (const chunk of stream) process(chunk); // complete and partial rows, in order
 */
export class CopyOutStream extends Readable implements Submittable {
  readonly text: string;
  /** Rows the server reported (known once the query completed). */
  rowCount = 0;
  #connection: Connection | undefined;
  #pgHandler: DataHandler | undefined;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);
  #detached = false;
  /** Type of the message whose body is being read, and how much of the body is still to come. */
  #code = 0;
  #remaining = 0;
  /** The start of a message header that a chunk cut short. */
  #partialHeader: Buffer | undefined;

  constructor(text: string) {
    super();
    this.text = text;
  }

  submit(connection: Connection): void {
    this.#connection = connection;
    const socket = connection.stream;
    const listeners = socket.listeners("data") as DataHandler[];
    if (listeners.length !== 1) throw new Error("COPY TO needs the connection's single data listener");
    this.#pgHandler = listeners[0];
    // Each socket chunk as it arrives, as pg reads them: socket.read() in paused mode would join
    // every chunk buffered since the last read into a fresh buffer first.
    socket.removeListener("data", this.#pgHandler as DataHandler);
    socket.on("data", this.#onData);
    connection.query(this.text);
  }

  override _read(): void {
    if (!this.#detached && this.#connection) this.#connection.stream.resume();
  }

  /** pg reports an error of the query (after {@link detach} handed the ErrorResponse back). */
  handleError(error: Error): void {
    this.destroy(error);
  }

  handleCommandComplete(message: { text?: string } | undefined): void {
    const match = /COPY (\d+)/.exec(message?.text ?? "");
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {}

  #receive(chunk: Buffer): void {
    if (this.#detached || this.destroyed || !this.#connection) return;
    // The consumer is full: hold the socket (and the server) until _read asks for more.
    if (!this.#parse(chunk) && !this.#detached) this.#connection.stream.pause();
  }

  /** Strips the framing of one socket chunk in place and pushes its row bytes; false when full. */
  #parse(chunk: Buffer): boolean {
    let buffer = chunk;
    if (this.#partialHeader) {
      buffer = Buffer.concat([this.#partialHeader, chunk]);
      this.#partialHeader = undefined;
    }
    const n = buffer.length;
    let pos = 0;
    let write = 0;
    let rest: Buffer | undefined;
    let failed = false;
    for (;;) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, n - pos);
        if (this.#code === COPY_DATA) {
          if (write !== pos) buffer.copyWithin(write, pos, pos + take);
          write += take;
        }
        pos += take;
        this.#remaining -= take;
      }
      if (pos >= n) break;
      const code = buffer[pos] as number;
      if (code === ERROR_RESPONSE) {
        // pg parses the error and fails the query through handleError: the stream stays open
        // until then, so the error is not mistaken for the end of the rows.
        rest = buffer.subarray(pos);
        failed = true;
        break;
      }
      if (n - pos < 5) {
        this.#partialHeader = Buffer.from(buffer.subarray(pos));
        break;
      }
      if (code === COPY_DONE) {
        rest = buffer.subarray(pos + 5);
        break;
      }
      if (
        code !== COPY_DATA &&
        code !== COPY_OUT_RESPONSE &&
        code !== NOTICE_RESPONSE &&
        code !== PARAMETER_STATUS &&
        code !== NOTIFICATION_RESPONSE
      ) {
        rest = buffer.subarray(pos);
        break;
      }
      this.#code = code;
      this.#remaining = buffer.readUInt32BE(pos + 1) - 4;
      pos += 5;
    }
    const wanted = write > 0 ? this.push(buffer.subarray(0, write)) : true;
    if (rest) {
      this.#detach(rest);
      if (!failed) this.push(null);
    }
    return wanted;
  }

  /** Gives the socket back to pg, starting with `rest`. */
  #detach(rest: Buffer): void {
    this.#detached = true;
    const connection = this.#connection as Connection;
    const socket = connection.stream;
    const handler = this.#pgHandler as DataHandler;
    socket.removeListener("data", this.#onData);
    socket.on("data", handler);
    handler(rest);
    // The handler may pause the socket (backpressure); resume after it returns, as pg-copy-streams does.
    process.nextTick(() => socket.resume());
  }
}
