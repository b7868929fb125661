import { useId, useState } from 'react';
import { CARE_TEAM_ROLES, CARE_TEAM_ROLE_LABELS, type CareTeamMember, type CareTeamRole } from '@shared/api/care-team.schema';
import { ApiError } from '../../lib/api';
import { useActiveClinicians, useSaveCareTeam } from './chart-api';

interface Draft {
  staffId: string;
  name: string;
  role: CareTeamRole;
  isCoordinator: boolean;
}

function RoleSelect({ id, value, onChange, label }: { id: string; value: CareTeamRole; onChange: (r: CareTeamRole) => void; label: string }) {
  return (
    <select id={id} aria-label={label} value={value} onChange={(e) => onChange(e.target.value as CareTeamRole)}>
      {CARE_TEAM_ROLES.map((r) => (
        <option key={r} value={r}>
          {CARE_TEAM_ROLE_LABELS[r]}
        </option>
      ))}
    </select>
  );
}

function Editor({ patientId, members, onDone }: { patientId: string; members: CareTeamMember[]; onDone: () => void }) {
  // Only active clinicians can be saved: someone deactivated (or no longer a clinician) leaves the team with this save.
  const leaving = members.filter((m) => !m.active);
  const [draft, setDraft] = useState<Draft[]>(
    members.filter((m) => m.active).map((m) => ({ staffId: m.staffId, name: m.name, role: m.role, isCoordinator: m.isCoordinator })),
  );
  const [addId, setAddId] = useState('');
  const [addRole, setAddRole] = useState<CareTeamRole>('psychiatry');
  const clinicians = useActiveClinicians();
  const save = useSaveCareTeam(patientId);
  const uid = useId();
  const candidates = (clinicians.data ?? []).filter((c) => !draft.some((d) => d.staffId === c.id));
  const error = save.error instanceof ApiError ? save.error.fieldErrors().members || save.error.message : save.error ? 'Could not save the care team' : null;

  const update = (staffId: string, patch: Partial<Draft>) => setDraft((d) => d.map((m) => (m.staffId === staffId ? { ...m, ...patch } : m)));
  const setCoordinator = (staffId: string | null) => setDraft((d) => d.map((m) => ({ ...m, isCoordinator: m.staffId === staffId })));
  const add = () => {
    const c = candidates.find((x) => x.id === addId);
    if (!c) return;
    setDraft((d) => [...d, { staffId: c.id, name: c.name, role: addRole, isCoordinator: false }]);
    setAddId('');
  };
  const submit = () =>
    save.mutate(
      { members: draft.map(({ staffId, role, isCoordinator }) => ({ staffId, role, isCoordinator })) },
      { onSuccess: onDone },
    );

  return (
    <form
      className="care-team-editor"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {leaving.length > 0 && (
        <p className="alert alert-warn">
          {leaving.map((m) => m.name).join(', ')} {leaving.length === 1 ? 'is' : 'are'} no longer an active clinician and will be taken off
          the team when you save.
        </p>
      )}
      {draft.length === 0 && <p className="muted">No one on the care team.</p>}
      <fieldset className="care-team-rows">
        <legend>Members, their role, and who coordinates</legend>
        {draft.length > 0 && (
          <ul>
            {draft.map((m) => (
              <li key={m.staffId} className="care-team-row">
                <span className="care-team-name">{m.name}</span>
                <RoleSelect id={`${uid}-role-${m.staffId}`} label={`Role of ${m.name}`} value={m.role} onChange={(role) => update(m.staffId, { role })} />
                <label className="checkbox">
                  <input type="radio" name={`${uid}-coordinator`} checked={m.isCoordinator} onChange={() => setCoordinator(m.staffId)} />
                  Coordinator<span className="visually-hidden">: {m.name}</span>
                </label>
                <button type="button" className="btn btn-quiet btn-small" onClick={() => setDraft((d) => d.filter((x) => x.staffId !== m.staffId))}>
                  Remove<span className="visually-hidden"> {m.name}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        {draft.length > 0 && (
          <label className="checkbox">
            <input type="radio" name={`${uid}-coordinator`} checked={!draft.some((m) => m.isCoordinator)} onChange={() => setCoordinator(null)} />
            No coordinator
          </label>
        )}
      </fieldset>
      <div className="care-team-add">
        <div className="field">
          <label htmlFor={`${uid}-add`}>Add a clinician</label>
          <select id={`${uid}-add`} value={addId} onChange={(e) => setAddId(e.target.value)}>
            <option value="">Choose…</option>
            {candidates.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${uid}-add-role`}>Their role</label>
          <RoleSelect id={`${uid}-add-role`} label="Their role" value={addRole} onChange={setAddRole} />
        </div>
        <button type="button" className="btn btn-small" onClick={add} disabled={!addId}>
          Add to team
        </button>
      </div>
      {error && (
        <p role="alert" className="alert alert-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save care team'}
        </button>
        <button type="button" className="btn btn-quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The patient's care team: who is on it, in which role, who coordinates; editable in place. */
export function CareTeamSection({ patientId, members }: { patientId: string; members: CareTeamMember[] }) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return (
    <section aria-labelledby="chart-care-team" className="card chart-section">
      <h2 id="chart-care-team">Care team</h2>
      {editing ? (
        <Editor
          patientId={patientId}
          members={members}
          onDone={() => {
            setEditing(false);
            setSaved(true);
          }}
        />
      ) : (
        <>
          {members.length === 0 ? (
            <p className="muted">No care team yet: visits are the only link between this patient and their clinicians.</p>
          ) : (
            <ul className="care-team-list">
              {members.map((m) => (
                <li key={m.staffId}>
                  <strong>{m.name}</strong> · {CARE_TEAM_ROLE_LABELS[m.role]}
                  {m.isCoordinator && <span className="badge care-team-coordinator">Coordinator</span>}
                  {!m.active && <span className="muted"> · no longer active</span>}
                </li>
              ))}
            </ul>
          )}
          <p role="status" className="muted">
            {saved ? 'Care team saved.' : ''}
          </p>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit care team
          </button>
        </>
      )}
    </section>
  );
}
