{{/*
Names and labels, in the keycloakx style: names are truncated to 63 characters (the DNS label
limit), selector labels never change after install (a Deployment's selector is immutable), the
other labels may.
*/}}

{{- define "pico-auth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pico-auth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's name: fullname plus a suffix, still within 63 characters. */}}
{{- define "pico-auth.componentName" -}}
{{- $root := index . 0 }}{{- $suffix := index . 1 }}
{{- printf "%s-%s" (include "pico-auth.fullname" $root | trunc (int (sub 62 (len $suffix)))) $suffix | trimSuffix "-" }}
{{- end }}

{{- define "pico-auth.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pico-auth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pico-auth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pico-auth.labels" -}}
helm.sh/chart: {{ include "pico-auth.chart" . }}
{{ include "pico-auth.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pico-auth
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels and selector of one component: server, redis, sample, keys-init, keys-rotation, test. */}}
{{- define "pico-auth.componentSelectorLabels" -}}
{{ include "pico-auth.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "pico-auth.componentLabels" -}}
{{ include "pico-auth.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "pico-auth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pico-auth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The one image runs the service, the sample API, the CLI and the helm test. */}}
{{- define "pico-auth.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the signing keys (mounted as a directory at keys.mountPath). */}}
{{- define "pico-auth.keysSecretName" -}}
{{- if .Values.keys.existingSecret }}
{{- .Values.keys.existingSecret }}
{{- else }}
{{- include "pico-auth.componentName" (list . "keys") }}
{{- end }}
{{- end }}

{{/* Name of the chart-made Secret for secret settings (REDIS_URL, admin hash, fleet secret). */}}
{{- define "pico-auth.settingsSecretName" -}}
{{- include "pico-auth.componentName" (list . "settings") }}
{{- end }}

{{- define "pico-auth.redisName" -}}
{{- include "pico-auth.componentName" (list . "redis") }}
{{- end }}

{{/* The Secret and key holding the bundled Redis's password: redis.auth.existingSecret, or the chart's. */}}
{{- define "pico-auth.redisPasswordSecretName" -}}
{{- .Values.redis.auth.existingSecret | default (include "pico-auth.redisName" .) }}
{{- end }}

{{- define "pico-auth.redisPasswordSecretKey" -}}
{{- ternary .Values.redis.auth.existingSecretKey "password" (ne .Values.redis.auth.existingSecret "") }}
{{- end }}

{{/*
The generated password of the bundled Redis: the one already in the cluster (helm install/upgrade
can look it up), else a new random one. Computed once per render and kept in .Values, so the
Secret and every pod's checksum see the same value: under `helm template` (Argo CD) each render
makes a new password, and the checksum then rolls Redis and the auth pods together.
*/}}
{{- define "pico-auth.redisGeneratedPassword" -}}
{{- if not (hasKey .Values.redis "generatedPasswordOfThisRender") }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "pico-auth.redisName" .) }}
{{- $password := "" }}
{{- if and $existing $existing.data (hasKey $existing.data "password") }}
{{- $password = index $existing.data "password" | b64dec }}
{{- else }}
{{- $password = randAlphaNum 32 }}
{{- end }}
{{- $_ := set .Values.redis "generatedPasswordOfThisRender" $password }}
{{- end }}
{{- index .Values.redis "generatedPasswordOfThisRender" }}
{{- end }}

{{/* Pod-template annotation that rolls a pod when the generated Redis password changes (nothing with redis.auth.existingSecret). */}}
{{- define "pico-auth.redisPasswordChecksum" -}}
{{- if and .Values.redis.enabled (not .Values.redis.auth.existingSecret) }}
checksum/redis-password: {{ include "pico-auth.redisGeneratedPassword" . | sha256sum | trunc 16 | quote }}
{{- end }}
{{- end }}

{{/*
Pod settings of one component, (list $root $componentPod): the top-level values are every pod's,
the component's `pod` value overrides them. nodeSelector, tolerations, affinity, priorityClassName
and imagePullSecrets replace (an empty list or map clears); podAnnotations and podLabels merge.
"pico-auth.podPlacement" renders the pod-spec fields, "pico-auth.podAnnotations" and
"pico-auth.podLabels" the metadata maps (without the chart's own labels), every value a string
(`--set podLabels.x=true` must not become a boolean, which the API server refuses).
*/}}
{{- define "pico-auth.podPlacement" -}}
{{- $v := (index . 0).Values }}{{- $o := index . 1 | default dict }}
{{- range $key := list "imagePullSecrets" "priorityClassName" "nodeSelector" "affinity" "tolerations" }}
{{- $val := ternary (index $o $key) (index $v $key) (hasKey $o $key) }}
{{- if and $val (kindIs "string" $val) }}
{{ $key }}: {{ $val | quote }}
{{- else if $val }}
{{ $key }}:
  {{- toYaml $val | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pico-auth.podAnnotations" -}}
{{- $v := (index . 0).Values }}{{- $o := index . 1 | default dict }}
{{- range $k, $val := merge (deepCopy ($o.podAnnotations | default dict)) (deepCopy ($v.podAnnotations | default dict)) }}
{{ $k }}: {{ $val | toString | quote }}
{{- end }}
{{- end }}

{{- define "pico-auth.podLabels" -}}
{{- $v := (index . 0).Values }}{{- $o := index . 1 | default dict }}
{{- range $k, $val := merge (deepCopy ($o.podLabels | default dict)) (deepCopy ($v.podLabels | default dict)) }}
{{ $k }}: {{ $val | toString | quote }}
{{- end }}
{{- end }}

{{- define "pico-auth.sampleName" -}}
{{- include "pico-auth.componentName" (list . "sample") }}
{{- end }}

{{/* In-cluster base URL of the auth service. */}}
{{- define "pico-auth.internalUrl" -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "pico-auth.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.service.port) }}
{{- end }}

{{/* Token issuer: config.issuer, else https://<first ingress host>, else the in-cluster URL. */}}
{{- define "pico-auth.issuer" -}}
{{- if .Values.config.issuer }}
{{- .Values.config.issuer }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- printf "%s://%s" (ternary "https" "http" (gt (len .Values.ingress.tls) 0)) (index .Values.ingress.hosts 0).host }}
{{- else }}
{{- include "pico-auth.internalUrl" . }}
{{- end }}
{{- end }}

{{/* True (non-empty) when some Redis is configured: bundled, URL, existing Secret, Sentinel or Cluster. */}}
{{- define "pico-auth.hasRedis" -}}
{{- if or .Values.redis.enabled .Values.redis.url .Values.redis.existingSecret .Values.redis.sentinel.nodes .Values.redis.cluster.nodes }}true{{ end }}
{{- end }}

{{/* True (non-empty) when the chart makes the settings Secret. */}}
{{- define "pico-auth.hasSettingsSecret" -}}
{{- if or .Values.redis.url .Values.admin.passwordHash .Values.fleet.secret .Values.redis.sentinel.password }}true{{ end }}
{{- end }}

{{/*
The longest lifetime of a token signed with a key, in seconds: the access token, or a fleet service
token when fleet sessions are on. A retired key stays published at least this long.
*/}}
{{- define "pico-auth.longestTokenLifetime" -}}
{{- $access := mul (int .Values.config.accessTokenExpireMinutes) 60 }}
{{- if or .Values.fleet.secret .Values.fleet.existingSecret }}
{{- max $access (int .Values.fleet.maxTtlSeconds) }}
{{- else }}
{{- $access }}
{{- end }}
{{- end }}

{{/* The restricted container securityContext shared by every container of the chart. */}}
{{- define "pico-auth.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* Environment variables read from Secrets (never from the ConfigMap). */}}
{{- define "pico-auth.secretEnv" -}}
{{- if .Values.redis.enabled -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "pico-auth.redisPasswordSecretName" . }}
      key: {{ include "pico-auth.redisPasswordSecretKey" . }}
# $(REDIS_PASSWORD) is expanded by the kubelet; the password is alphanumeric, so URL-safe.
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s.%s.svc.%s:6379/0" (include "pico-auth.redisName" .) .Release.Namespace .Values.clusterDomain | quote }}
{{- else if .Values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.existingSecretKey }}
{{- else if .Values.redis.url }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "pico-auth.settingsSecretName" . }}
      key: redis-url
{{- end }}
{{- if .Values.redis.sentinel.existingSecret }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.sentinel.existingSecret }}
      key: {{ .Values.redis.sentinel.existingSecretKey }}
{{- else if .Values.redis.sentinel.password }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "pico-auth.settingsSecretName" . }}
      key: sentinel-password
{{- end }}
{{- if .Values.admin.existingSecret }}
- name: AUTH_ADMIN_PASSWORD_HASH
  valueFrom:
    secretKeyRef:
      name: {{ .Values.admin.existingSecret }}
      key: {{ .Values.admin.existingSecretKey }}
{{- else if .Values.admin.passwordHash }}
- name: AUTH_ADMIN_PASSWORD_HASH
  valueFrom:
    secretKeyRef:
      name: {{ include "pico-auth.settingsSecretName" . }}
      key: admin-password-hash
{{- end }}
{{- if .Values.fleet.existingSecret }}
- name: AUTH_FLEET_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.fleet.existingSecret }}
      key: {{ .Values.fleet.existingSecretKey }}
{{- else if .Values.fleet.secret }}
- name: AUTH_FLEET_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "pico-auth.settingsSecretName" . }}
      key: fleet-secret
{{- end }}
{{- end }}

{{/* Default spread: by node, then by zone; ScheduleAnyway so a small cluster still schedules. */}}
{{- define "pico-auth.topologySpread" -}}
{{- $root := index . 0 }}{{- $component := index . 1 }}
{{- if $root.Values.topologySpreadConstraints -}}
{{- toYaml $root.Values.topologySpreadConstraints }}
{{- else -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "pico-auth.componentSelectorLabels" (list $root $component) | nindent 6 }}
  # Count only the pods of the same ReplicaSet: during a rollout the old pods would skew the spread.
  matchLabelKeys:
    - pod-template-hash
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "pico-auth.componentSelectorLabels" (list $root $component) | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end }}
