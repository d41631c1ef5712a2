#!/usr/bin/env python3
"""A tiny SMTP server for tests/smtp_alerts.rs: answers as a mail server does and records
each session as a block in LOG: "S <time>", "C <command>" per command in order, "D <line>"
per line of the message after DATA, then "E".
usage: smtp_server.py ADDR PORT LOG [--stall]   (--stall: accept, never send the banner)"""
import socket, sys, threading, time

addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
stall = '--stall' in sys.argv
lock = threading.Lock()

def record(sess):
    text = 'S %.3f\n' % sess['t'] + ''.join('C %s\n' % c for c in sess['commands'])
    if sess['data'] is not None:
        text += ''.join('D %s\n' % l for l in sess['data'].split('\r\n'))
    with lock, open(log, 'a') as f:
        f.write(text + 'E\n')

def serve(c):
    sess = {'t': time.time(), 'commands': [], 'data': None}
    if stall:
        sess['commands'].append('<stalled>')
        record(sess)
        try:
            while c.recv(4096):
                pass
        except OSError:
            pass
        with lock, open(log, 'a') as f:
            f.write('X %.3f\n' % time.time())
        return
    f = c.makefile('rb')
    c.sendall(b'220 test.example ESMTP\r\n')
    try:
        while True:
            line = f.readline()
            if not line:
                break
            cmd = line.decode(errors='replace').rstrip('\r\n')
            sess['commands'].append(cmd)
            verb = cmd.split(' ')[0].split(':')[0].upper()
            if verb == 'DATA':
                c.sendall(b'354 go ahead\r\n')
                data = b''
                while not data.endswith(b'\r\n.\r\n'):
                    more = f.readline()
                    if not more:
                        break
                    data += more
                sess['data'] = data.decode(errors='replace')
                c.sendall(b'250 2.0.0 queued\r\n')
            elif verb == 'QUIT':
                c.sendall(b'221 bye\r\n')
                break
            else:
                c.sendall(b'250 ok\r\n')
    except OSError:
        pass
    record(sess)
    c.close()

s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
print('ready', flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
