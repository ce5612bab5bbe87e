// The emulated Raspberry Pi Pico of `heeltrack virtual --pico`: the official MicroPython rp2
// firmware running in rp2040js, started and fed by host/heeltrack/pico.py.
//
//   node runner.mjs --firmware FW.uf2 --bootrom B1.bin --image FLASH.img \
//        --chip-req FD --chip-ans FD [--i2c-addr 0x68] [--speed 1] [--led-log FILE] [--stats FILE]
//
// stdin/stdout: the USB CDC serial port (bytes both ways; the Python side bridges it to a pty).
// The MPU6050 is NOT modelled here: every I2C0 transaction at the chip's address goes to the
// Python side (heel.imu.fake_mpu6050, the unix-port virtual board's chip) over the two pipe fds,
// stamped with the emulated time, so both kinds of virtual board share one chip model.
// What the emulator needs beyond stock rp2040js (see ../shared/rp2/README.md):
// - flash writes: the bootrom's flash_range_erase / flash_range_program are replaced by BKPT
//   stubs and done here, on the flash array and in IMAGE at once (a kill at any instant leaves
//   IMAGE as the flash was: a power cut);
// - USB: a CDC OUT read is held until the host has bytes (a real host NAKs), so an idle board
//   sleeps instead of taking an interrupt every 10 us;
// - I2C: TX_EMPTY is raised after an address NACK (rp2040js leaves the SDK waiting);
// - time: emulated time never runs ahead of wall time x speed; idle time (WFI) is skipped up to
//   that bound, so the board's own timeouts mean what they mean on hardware;
// - machine.reset() (watchdog): a fresh chip boots from the same flash.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { RP2040, USBCDC, ConsoleLogger, LogLevel } from 'rp2040js';

const FLASH_BYTES = 2 * 1024 * 1024; // RPI_PICO
const CYCLE_NS = 8; // 125 MHz
const SLICE_MS = 4; // run this long between looks at stdin (host latency: a request waits this)
const HOST_BACKLOG = 1 << 20; // bytes from the host held before stdin is paused
const PEEK_BYTES = 1040; // a speculative read: more than the 1024-byte FIFO
const BKPT_ERASE = 0x21;
const BKPT_PROGRAM = 0x22;

function die(msg) {
  process.stderr.write(`heeltrack pico runner: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { speed: 1, i2cAddr: 0x68 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const val = argv[i + 1];
    if (val === undefined) die(`${key} needs a value`);
    switch (key) {
      case '--firmware': out.firmware = val; break;
      case '--bootrom': out.bootrom = val; break;
      case '--image': out.image = val; break;
      case '--chip-req': out.chipReq = Number(val); break;
      case '--chip-ans': out.chipAns = Number(val); break;
      case '--i2c-addr': out.i2cAddr = Number(val); break;
      case '--speed': out.speed = Number(val); break;
      case '--led-log': out.ledLog = val; break;
      case '--stats': out.stats = val; break;
      default: die(`unknown argument ${key}`);
    }
  }
  for (const k of ['firmware', 'bootrom', 'image']) if (!out[k]) die(`--${k} is required`);
  return out;
}

const opts = parseArgs(process.argv.slice(2));

// rp2040js warns on every SIO read the flash routines make at 0x50/0x58 (interpolator
// registers it does not map): harmless and very frequent, so they are dropped here.
const warn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('Read from invalid SIO address')) return;
  warn(...args);
};

// ---- flash: IMAGE (2 MiB) with the UF2's payload laid over it --------------------------------
function readUF2(path, flash) {
  const data = fs.readFileSync(path);
  if (data.length % 512 || data.length === 0) die(`${path}: not a UF2 file (size ${data.length})`);
  let blocks = 0;
  for (let off = 0; off < data.length; off += 512) {
    const magic0 = data.readUInt32LE(off);
    const magic1 = data.readUInt32LE(off + 4);
    const magicEnd = data.readUInt32LE(off + 508);
    if (magic0 !== 0x0a324655 || magic1 !== 0x9e5d5157 || magicEnd !== 0x0ab16f30) {
      die(`${path}: not a UF2 file (bad magic in block ${off / 512})`);
    }
    const addr = data.readUInt32LE(off + 12);
    const size = data.readUInt32LE(off + 16);
    const at = addr - 0x10000000;
    if (at < 0 || at + size > FLASH_BYTES || size > 476) die(`${path}: block ${off / 512} outside flash`);
    flash.set(data.subarray(off + 32, off + 32 + size), at);
    blocks++;
  }
  return blocks;
}

const image = new Uint8Array(FLASH_BYTES).fill(0xff);
if (fs.existsSync(opts.image)) {
  const old = fs.readFileSync(opts.image);
  if (old.length !== FLASH_BYTES) die(`${opts.image}: not a Pico flash image (${old.length} bytes, not ${FLASH_BYTES})`);
  image.set(old);
}
readUF2(opts.firmware, image);
const bootromBytes = fs.readFileSync(opts.bootrom);
if (bootromBytes.length !== 16384) die(`${opts.bootrom}: not an RP2040 bootrom (${bootromBytes.length} bytes, not 16384)`);
const bootrom = new Uint32Array(4096);
for (let i = 0; i < 4096; i++) bootrom[i] = bootromBytes.readUInt32LE(i * 4);
const imageFd = fs.openSync(opts.image, fs.existsSync(opts.image) ? 'r+' : 'w+');
fs.writeSync(imageFd, image, 0, FLASH_BYTES, 0);

function persist(flash, start, end) {
  fs.writeSync(imageFd, flash, start, end - start, start);
}

// ---- the chip, on the Python side --------------------------------------------------------
const enc = new TextEncoder();
const ansHeader = Buffer.alloc(2);
function chipSend(line) {
  if (opts.chipReq === undefined) return;
  const b = enc.encode(line + '\n');
  let done = 0;
  while (done < b.length) done += fs.writeSync(opts.chipReq, b, done, b.length - done);
}
function readExactly(buf) {
  let got = 0;
  while (got < buf.length) {
    let n;
    try {
      n = fs.readSync(opts.chipAns, buf, got, buf.length - got, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      throw e;
    }
    if (n === 0) process.exit(0); // the Python side is gone: so is the board
    got += n;
  }
}
function chipPeek(tUs, reg) {
  chipSend(`P ${tUs} ${reg}`);
  readExactly(ansHeader);
  const n = ansHeader.readUInt16LE(0);
  const data = Buffer.alloc(n);
  readExactly(data);
  return data;
}

// ---- one emulated chip (a new one after machine.reset()) ---------------------------------
let mcu, cdc, core;
const hostBytes = []; // from the host (stdin), not yet in the CDC receive FIFO; chunks
let heldRead = -1; // CDC OUT endpoint whose read waits for host bytes (-1: none)
let stats = { busyCycles: 0, idleNs: 0 };
let wallStart = performance.now();
let emuStartNs = 0;
let resetPending = false;
let ledState = -1;

function setHalf(rom, byteAddr, value) {
  const word = byteAddr >> 2;
  if (byteAddr & 2) rom[word] = (rom[word] & 0x0000ffff) | (value << 16);
  else rom[word] = (rom[word] & 0xffff0000) | value;
}
function romHalf(rom, byteAddr) {
  const w = rom[byteAddr >> 2];
  return byteAddr & 2 ? w >>> 16 : w & 0xffff;
}
// Replace the ROM functions flash_range_erase ('RE') and flash_range_program ('RP') by
// BKPT #n; BX LR (RP2040 datasheet 2.8.3: the function table at the 16-bit pointer at 0x14).
function patchBootrom(rom) {
  let at = romHalf(rom, 0x14);
  let found = 0;
  for (;;) {
    const code = romHalf(rom, at);
    if (!code) break;
    const fn = romHalf(rom, at + 2) & ~1;
    const name = String.fromCharCode(code & 0xff, code >> 8);
    if (name === 'RE' || name === 'RP') {
      setHalf(rom, fn, 0xbe00 | (name === 'RE' ? BKPT_ERASE : BKPT_PROGRAM));
      setHalf(rom, fn + 2, 0x4770); // BX LR
      found++;
    }
    at += 4;
  }
  if (found !== 2) die('the bootrom has no flash_range_erase/program entries');
}

function onBreak(code) {
  const r = core.registers;
  const flash = mcu.flash;
  if (code === BKPT_ERASE) {
    // flash_range_erase(addr, count, block_size, block_cmd): offsets from the start of flash
    const start = r[0] >>> 0;
    const end = Math.min(start + (r[1] >>> 0), FLASH_BYTES);
    flash.fill(0xff, start, end);
    persist(flash, start, end);
  } else if (code === BKPT_PROGRAM) {
    // flash_range_program(addr, data, count): programming only clears bits
    const start = r[0] >>> 0;
    const src = r[1] >>> 0;
    const end = Math.min(start + (r[2] >>> 0), FLASH_BYTES);
    for (let a = start, s = src; a < end; a++, s++) flash[a] &= mcu.readUint8(s);
    persist(flash, start, end);
  } else {
    process.stderr.write(`heeltrack pico runner: breakpoint ${code} at 0x${core.PC.toString(16)}\n`);
  }
}

function nowUs() {
  return Math.floor(mcu.clock.nanos / 1000);
}

// I2C0: transactions at the chip's address go to the Python model; others are NACKed.
function attachI2C(i2c) {
  let mode = null; // 'w' | 'r'
  let reg = 0;
  let written = []; // bytes of the current write (first: the register)
  let peek = null;
  let readN = 0;
  const flushWrite = () => {
    if (mode === 'w' && written.length) {
      reg = written[0];
      if (written.length > 1) {
        const hex = Buffer.from(written.slice(1)).toString('hex');
        chipSend(`W ${nowUs()} ${reg} ${hex}`);
      }
    }
    written = [];
  };
  const endRead = () => {
    if (mode === 'r' && peek) chipSend(`C ${nowUs()} ${reg} ${readN}`);
    peek = null;
    readN = 0;
  };
  i2c.onStart = () => i2c.completeStart();
  i2c.onConnect = (addr, m) => {
    flushWrite();
    endRead();
    if (addr !== opts.i2cAddr || opts.chipReq === undefined) {
      mode = null;
      i2c.completeConnect(false);
      i2c.setInterrupts(1 << 4); // TX_EMPTY after the abort (rp2040js 1.4.1 leaves it low)
      return;
    }
    mode = m === 0 ? 'w' : 'r';
    i2c.completeConnect(true);
  };
  i2c.onWriteByte = (value) => {
    written.push(value);
    i2c.completeWrite(true);
  };
  i2c.onReadByte = () => {
    if (!peek) {
      peek = chipPeek(nowUs(), reg);
      readN = 0;
    }
    const v = readN < peek.length ? peek[readN] : peek[peek.length - 1];
    readN++;
    i2c.completeRead(v);
  };
  i2c.onStop = () => {
    flushWrite();
    endRead();
    mode = null;
    i2c.completeStop();
  };
}

function boot() {
  mcu = new RP2040();
  mcu.logger = new ConsoleLogger(LogLevel.Error);
  const rom = new Uint32Array(bootrom);
  patchBootrom(rom);
  mcu.loadBootrom(rom); // also fills flash with 0xff
  mcu.flash.set(image);
  core = mcu.core;
  mcu.onBreak = onBreak;
  const watchdog = mcu.peripherals[0x40058];
  watchdog.onWatchdogTrigger = () => {
    resetPending = true;
  };
  attachI2C(mcu.i2c[0]);
  cdc = new USBCDC(mcu.usbCtrl);
  heldRead = -1;
  cdc.onSerialData = writeOut;
  cdc.onDeviceConnected = () => feedCDC();
  const usb = mcu.usbCtrl;
  const stockRead = usb.onEndpointRead;
  usb.onEndpointRead = (endpoint, size) => {
    if (endpoint === cdc.outEndpoint && cdc.txFIFO.empty && !fillFIFO()) {
      heldRead = endpoint; // answered when the host sends something
      return;
    }
    stockRead(endpoint, size);
  };
  const led = mcu.gpio[25];
  led.addListener(() => logLed(led.outputValue ? 1 : 0));
  // Start at boot2 in flash, as rp2040js' demo does: the bootrom's own reset path reads the
  // unmodelled VREG_AND_CHIP_RESET register as a rescue request and halts. Its function
  // table (flash, memory, float routines) is what the firmware uses, and that is loaded.
  core.PC = 0x10000000;
}

// Device -> host bytes go out at once (a synchronous write: process.stdout.write would wait for
// the end of the slice, adding its length to every reply).
function writeOut(buffer) {
  let done = 0;
  while (done < buffer.length) {
    try {
      done += fs.writeSync(1, buffer, done, buffer.length - done);
    } catch (e) {
      if (e.code !== 'EAGAIN') process.exit(0); // the host side is gone
    }
  }
}

function logLed(v) {
  if (v === ledState || !opts.ledLog) return;
  ledState = v;
  fs.appendFileSync(opts.ledLog, `${Math.floor(mcu.clock.nanos / 1e6)} led ${v}\n`);
}

// Move host bytes into the CDC receive FIFO (512 bytes); true if it holds any.
function fillFIFO() {
  const fifo = cdc.txFIFO;
  while (hostBytes.length && !fifo.full) {
    const chunk = hostBytes[0];
    let i = 0;
    while (i < chunk.length && !fifo.full) fifo.push(chunk[i++]);
    if (i === chunk.length) hostBytes.shift();
    else hostBytes[0] = chunk.subarray(i);
  }
  return !fifo.empty;
}

function feedCDC() {
  if (!cdc.initialized) return;
  if (fillFIFO() && heldRead >= 0) {
    const ep = heldRead;
    heldRead = -1;
    const fifo = cdc.txFIFO;
    const buffer = new Uint8Array(Math.min(64, fifo.itemCount));
    for (let i = 0; i < buffer.length; i++) buffer[i] = fifo.pull();
    mcu.usbCtrl.endpointReadDone(ep, buffer);
  }
  const backlog = hostBytes.reduce((n, c) => n + c.length, 0);
  if (backlog > HOST_BACKLOG) process.stdin.pause();
  else process.stdin.resume();
}

process.stdin.on('data', (chunk) => {
  hostBytes.push(chunk);
  feedCDC();
  schedule(0);
});
process.stdin.on('end', () => process.exit(0));

// ---- time and the run loop ---------------------------------------------------------------
let timer = null; // a pending setTimeout (sleeping) or setImmediate (running on)
let immediate = false;
function schedule(ms) {
  if (timer !== null) {
    if (ms > 0 || immediate) return;
    clearTimeout(timer); // asleep, but the host sent something: run now
  }
  const go = () => {
    timer = null;
    run();
  };
  immediate = ms <= 0;
  // setImmediate runs after pending I/O (stdin) without setTimeout's 1 ms clamp
  timer = immediate ? setImmediate(go) : setTimeout(go, ms);
}

// Emulated time may run this far ahead of wall time x speed before the runner sleeps: the
// shortest sleep is 1 ms of wall time, so without slack every USB packet (10 us of emulated
// time) at the bound cost a 1 ms sleep and serial throughput fell to ~64 bytes/ms.
const PACE_SLACK_NS = 2e6;

function allowedNs() {
  if (!(opts.speed > 0)) return Infinity;
  return emuStartNs + (performance.now() - wallStart) * 1e6 * opts.speed + PACE_SLACK_NS;
}

function run() {
  const clock = mcu.clock;
  const sliceEnd = performance.now() + SLICE_MS;
  let wait = -1; // ms to sleep before the next slice
  outer: while (performance.now() < sliceEnd) {
    const limit = allowedNs();
    for (let i = 0; i < 20000; i++) {
      if (resetPending) {
        resetPending = false;
        image.set(mcu.flash.subarray(0, FLASH_BYTES));
        const ns = clock.nanos;
        boot();
        mcu.clock.tick(ns); // time goes on across a reset (the chip's own timer restarts)
        continue outer;
      }
      if (core.waiting) {
        const next = clock.nextAlarm ? clock.nextAlarm.nanos : Infinity;
        const to = Math.min(next, limit);
        if (to === Infinity) {
          wait = 5; // asleep with nothing pending: wait for the host
          break outer;
        }
        if (to <= clock.nanos) {
          wait = Math.max(1, Math.min(5, (next - limit) / 1e6 / opts.speed));
          break outer;
        }
        stats.idleNs += to - clock.nanos;
        clock.tick(to - clock.nanos);
      } else {
        if (clock.nanos > limit) {
          wait = 1;
          break outer;
        }
        const cycles = core.executeInstruction();
        stats.busyCycles += cycles;
        clock.tick(cycles * CYCLE_NS);
      }
    }
  }
  schedule(wait < 0 ? 0 : wait);
}

let statsTimer = null;
if (opts.stats) {
  const writeStats = () => {
    const s = {
      emulated_ns: mcu.clock.nanos,
      busy_cycles: stats.busyCycles,
      idle_ns: stats.idleNs,
      wall_ms: performance.now() - wallStart,
    };
    fs.writeFileSync(opts.stats + '.tmp', JSON.stringify(s));
    fs.renameSync(opts.stats + '.tmp', opts.stats);
  };
  statsTimer = setInterval(writeStats, 200);
}

boot();
wallStart = performance.now();
emuStartNs = mcu.clock.nanos;
run();
