package events

import (
	"reflect"
	"testing"
)

// benchEnvelope is one push as distribution v3 posts it (the envelope
// `make bench` sends).
const benchEnvelope = `{
   "events": [
      {
         "id": "3b6a4f2e-00000001-a1b2c3d4",
         "timestamp": "2026-12-08T00:50:32.123456789Z",
         "action": "push",
         "target": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
            "size": 1579,
            "length": 1579,
            "repository": "team/svc-01",
            "url": "http://localhost:5000/v2/team/svc-01/manifests/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b",
            "tag": "v1.1"
         },
         "request": {
            "id": "0123456789abcdef",
            "addr": "127.0.0.1:41838",
            "host": "localhost:5000",
            "method": "PUT",
            "useragent": "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.1.0 os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))"
         },
         "actor": {
            "name": "ci-bot"
         },
         "source": {
            "addr": "registry-0:5000",
            "instanceID": "0f1a6a0e-3c47-4e44-9d0a-5b1c7f6a9e21"
         }
      }
   ]
}`

func BenchmarkDecodeEnvelope(b *testing.B) {
	body := []byte(benchEnvelope)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		evs, skipped, err := DecodeEnvelope(body)
		if err != nil || len(evs) != 1 || len(skipped) != 0 {
			b.Fatalf("DecodeEnvelope = %d events, %v skipped, %v", len(evs), skipped, err)
		}
	}
}

// FuzzDecodeOnePass: the one-pass decoding of well-formed envelopes gives
// what decoding event by event gives.
func FuzzDecodeOnePass(f *testing.F) {
	f.Add([]byte(benchEnvelope))
	f.Add([]byte(`{"events":[null,{},{"id":"x","action":"pull","target":{"repository":"a/b","mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1"}}]}`))
	f.Add([]byte(`{"events":[{"id":"x","timestamp":"yesterday"}],"events":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, skipped, err := DecodeEnvelope(body)
		evs2, skipped2, err2 := decodeEach(body)
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(evs, evs2) || !reflect.DeepEqual(skipped, skipped2) {
			t.Fatalf("one pass: %v %v %v\nevent by event: %v %v %v", evs, skipped, err, evs2, skipped2, err2)
		}
	})
}
