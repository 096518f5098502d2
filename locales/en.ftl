# Landsbyplan – English texts
app-title = Landsbyplan
app-tagline = Local councils' development plans – with or without a connection
language-switch = Dansk
language-switch-label = : switch language to Danish
offline-banner = You are offline. Everything you write is saved on this device and shared when you are back online.
profile-heading = You
profile-name-label = Your name (shown with everything you change)
profile-name-unknown = Unknown
councils-heading = Local councils on this device
councils-empty = There are no local councils on this device yet.
councils-loading = Loading saved local councils …
council-name-label = Local council's name
council-create = Create local council
council-created = { $name } has been created and saved on this device.
error-name-required = Write a name first.
error-storage-failed = Could not save on this device: { $reason }
error-storage-full = The device has no more space. Nothing is lost; free some space and try again.
error-storage-unavailable = The browser does not allow local storage here (private window?). Your data cannot be saved.
error-damaged-space = A saved space could not be read: { $reason }
sync-local = Saved on this device
sync-waiting = Saved on this device; { $count } { $count ->
    [one] change waits
   *[other] changes wait
} to be shared
sync-missing = Waiting for changes from others
sync-synced = Shared – everything is in sync
sync-refused = The relay refused the changes; they are saved on this device
share-summary = Share and rename
share-link-label = Share link – anyone with the link can see and edit
rename-label = New name
rename-save = Save name
joining = Waiting for what was shared with you …
update-ready = A new version of Landsbyplan is ready.
update-reload = Reload
storage-heading = Storage on this device
storage-use = Landsbyplan uses { $used } MB of the { $quota } MB the browser allows.
storage-persistent = The browser has promised to keep the data.
storage-best-effort = The browser may delete the data if the device runs out of space. Share your spaces so they also live on other devices.
storage-unknown = The browser does not tell how much space is used.
profile-role-label = Your role
role-citizen = Citizen
role-professional = Municipal professional
role-consultant = Rural consultant
role-politician = Politician
welcome-heading = Welcome to Landsbyplan
welcome-intro = Write your name so the others can see who wrote what. There is no account; the name stays on this device.
profile-language-label = Language
skip-to-content = Skip to content
back-home = To the home screen
back-to-space = To { $name }
crumbs-label = You are here
engine-loading = Fetching the rest of the app …
engine-not-loaded = The rest of the app could not be fetched. Check the connection and try again.
engine-retry = Try again
glimpse-opening = As it looked last time. Opening …
glimpse-typed-kept = What you typed is kept on this phone and goes in once the rest of the app is fetched.
glimpse-typed-unsaved = What you typed before the screen was ready was not saved, because the field could not be changed. Here is your text, for you to copy.
glimpse-typed-unsaved-text = Your text that was not saved
glimpse-typed-unsaved-copy = Copy the text
glimpse-typed-unsaved-dismiss = Delete the text
glimpse-typed-unsaved-copied = The text is copied.
glimpse-typed-unsaved-copy-failed = The text could not be copied; select it and copy it yourself.
not-found-heading = This page does not exist
space-missing-heading = This device does not hold that space
space-missing = This device has no such council or group. Ask someone in it to send you its share link, and open the link here. Or go to the home screen.
kind-council = Local council
kind-project-group = Project group
kind-network = The network
groups-heading = Project groups on this device
retry-save = Try saving again
save = Save
edit-summary = Edit or remove
nobody = Nobody
none-chosen = Not chosen
history-summary = History
history-entry = { $author }, { $time }
conflicts-heading = Simultaneous changes
conflicts-intro = Two people changed the same field at the same time. Both values are kept; choose the one that should stand.
conflict-field = { $field } of “{ $entity }”
conflict-keep = Keep “{ $value }”
field-name = Name
field-title = Title
field-contact = Contact
field-role = Role
field-status = Status
field-owner = Owner
field-due = Deadline
field-cost = Cost
field-funding = Funding
field-leader = Leader
field-other = A field
focus-area-1 = Nature, culture and leisure
focus-area-2 = Area renewal
focus-area-3 = Mobility
focus-area-unknown = Unknown focus area
council-overview = { $members } { $members ->
        [one] member
       *[other] members
    } · { $goals } { $goals ->
        [one] goal
       *[other] goals
    } · { $actions } { $actions ->
        [one] action
       *[other] actions
    }, { $done } of them done
print-link = Print the development plan (A4)
members-heading = Members
members-empty = No members yet.
member-add-heading = Add a member
member-name-label = Name
member-contact-label = Phone or e-mail
member-role-label = Role
member-add = Add member
member-remove = Remove the member
vision-heading = Vision
vision-label = The council's vision (saved as you type)
goals-heading = Goals
goal-new-label = New goal for { $area }
goal-add = Add goal
goal-remove = Remove the goal “{ $goal }”
error-goal-required = Write the goal first.
actions-heading = Action plan
actions-filter-label = Show actions
filter-status-label = Status
filter-area-label = Focus area
filter-all = All
actions-shown = Showing { $shown } of { $all } { $all ->
        [one] action
       *[other] actions
    }
action-add-heading = Add an action
action-add = Add action
action-title-label = Action
action-area-label = Focus area
action-goal-label = Goal it serves
owner-label = Owner
action-deadline-label = Deadline
action-cost-label = Cost (DKK)
action-funding-label = Funding
action-status-label = Status
action-remove = Remove the action
action-owner = Owner: { $name }
action-deadline = Deadline: { $date }
action-funding = Funding: { $funding }
action-status-idea = Idea
action-status-planned = Planned
action-status-in-progress = In progress
action-status-done = Done
action-status-dropped = Dropped
error-action-title-required = Write what the action is first.
error-cost = Write the cost as a whole number of kroner, e.g. 12500.
council-groups-heading = Project groups
council-groups-empty = The council takes part in no project group on this device.
group-start-heading = Start a project group
group-area-label = Focus area
group-existing-intro = A group already works on this focus area. The policy wants several councils to work together in one group – would you join it instead?
group-join = Join { $group }
group-start-anyway = We still want to start a new group
group-name-label = The group's name
group-start = Start the group
error-focus-area-required = Choose a focus area first.
group-overview-heading = About the group
group-councils-heading = Councils in the group
group-progress = { $done } of { $all } { $all ->
        [one] task
       *[other] tasks
    } done
group-merged = This group has been merged into another.
group-merged-link = Go to the merged group
leader-heading = Project leader
leader-is = { $name } leads the project.
leader-none = The group has no project leader yet.
leader-label = Choose the project leader from the members
group-goal-heading = The group's goal
group-goal-label = What does the group want to achieve? (saved as you type)
milestones-heading = Milestones
milestone-add-heading = Add a milestone
milestone-title-label = Milestone
milestone-add = Add milestone
milestone-remove = Remove the milestone “{ $milestone }”
error-milestone-required = Write the milestone first.
due-label = Deadline
due-on = Due: { $date }
tasks-heading = Tasks
task-add-heading = Add a task
task-title-label = Task
task-add = Add task
task-remove = Remove the task
task-status-label = Status
task-status-todo = Not started
task-status-doing = Under way
task-status-done = Done
task-milestone = Milestone: { $milestone }
task-milestone-label = Milestone
error-task-title-required = Write the task first.
share-heading = Share
share-intro = Send the link or let the other person scan the QR code. The key is only after the # in the link and is never sent to a server.
share-read-link-label = Link for reading only
share-qr-edit = QR code of the link for editing
share-qr-read = QR code of the link for reading
share-copy = Copy link
share-send = Share …
share-copied = The link is copied.
share-copy-failed = The link could not be copied; select it and copy it yourself.
share-not-allowed = You can only read this space, so you cannot share it on from here.
print-back = Back to the council
print-now = Print
print-title = Development plan for { $name }
print-date = Printed { $date }
read-only-note = Your link lets you read only. Ask for the editing link if you are to write too.
error-read-only = You can only read this space; the change was not saved.
file-save-intro = You can also save the space as a file and hand it on, e.g. on a USB stick or by e-mail. Whoever opens the file gets a copy, merged with their own.
file-save = Save as file
error-file-save = This browser could not make the file.
file-open-heading = Open from a file
file-open-label = Open a council or a group from a file (.landsbyplan). If you already have it, the file is merged with yours.
file-opening = Opening the file …
error-file-too-large = The file is { $size } MB; Landsbyplan opens files of at most { $limit } MB. Is it the right file?
error-file-unreadable = The file could not be read.
error-file-not-a-space = The file is not a council or a group from Landsbyplan.
error-file-inflates = The file unpacks into more than Landsbyplan can open, so it was not opened.
error-file-newer = The file was saved by a newer version of Landsbyplan. Reload the page to get the newest version, and try again.
sync-synced-at = Shared – everything is synchronised (last contact at { $time })
sync-rejected = { $count ->
    [one] 1 received message was refused
   *[other] { $count } received messages were refused
} (forged, out of order, unreadable or too large)
sync-shared = Everything from here is shared
sync-shared-at = Everything from here is shared (last contact at { $time })
join-heading = Join by a link
join-label = Were you sent a share link as text? Paste it here. (A link in a QR code you simply open with the camera.)
join-submit = Join
error-share-link = This is not a Landsbyplan share link. Copy the whole link, including the part after #.
network-heading = The network and the annual wheel
network-intro = The rural consultant gathers the councils in one network with the annual wheel. If there is one already, ask for its link; otherwise you can start it here.
network-name-label = The network's name
network-default-name = Landdistrikterne i Billund Kommune
network-create = Start the network
wheel-heading = The annual wheel
wheel-label = The annual wheel for { $year } with seasons, months and events
wheel-today = Today
wheel-year-before = Show { $year }
wheel-year-after = Show { $year }
wheel-prefill = Add the standard events of { $year }
wheel-prefilled = { $count ->
        [one] { $count } standard event was added.
       *[other] { $count } standard events were added.
    }
wheel-ics = Download calendar file (.ics)
wheel-empty = There are no events in this year yet.
event-cancelled = (cancelled)
event-cancel = Cancel the event
event-reinstate = Hold it after all
event-add-heading = Add an event
event-add = Add event
event-title-label = Event
event-kind-label = Kind
event-date-label = Date
event-invites-label = Who invites
error-event-title-required = Write what the event is first.
event-kind-dialogue-meeting = Dialogue meeting
event-kind-enthusiast-workshop = Enthusiasts' workshop
event-kind-theme-and-budget-meeting = Theme and budget meeting
event-kind-rural-council-annual-meeting = Rural council's annual meeting
event-kind-grant-deadline = Grant deadline
event-kind-plan-presentation = Development plan presentation
event-kind-other = Other
season-winter = Winter
season-spring = Spring
season-summer = Summer
season-autumn = Autumn
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-short-1 = Jan
month-short-2 = Feb
month-short-3 = Mar
month-short-4 = Apr
month-short-5 = May
month-short-6 = Jun
month-short-7 = Jul
month-short-8 = Aug
month-short-9 = Sep
month-short-10 = Oct
month-short-11 = Nov
month-short-12 = Dec
kroner = DKK { $amount }
grants-heading = Applications to Landdistriktspuljen
grants-intro = The pool has four deadlines a year. Own financing must be at least 25 % of the first DKK 100,000; volunteer hours count at DKK 100 an hour.
grant-status-draft = Draft
grant-status-endorsed = Endorsed by the council
grant-status-submitted = Submitted
grant-status-granted = Granted
grant-status-partly-granted = Partly granted
grant-status-rejected = Rejected
grant-status-reporting-due = Report due
grant-status-closed = Closed
grant-report-overdue = The report is overdue
grant-new-label = New application – the project's title
grant-start = Start the application
error-grant-title-required = Write the project's title first.
grant-missing = This device has no such application
grant-missing-help = The application may not have reached this device yet, or the address is wrong. If it is on its way, it will appear here as soon as it arrives.
grant-print-link = Print the application
grant-project-heading = 1. The project
grant-title-label = Title
grant-description-label = What the project is
grant-areas-legend = Focus areas the project supports
grant-goals-legend = Development plan goals the project supports
grant-no-goals = The development plan has no goals yet.
grant-budget-heading = 2. Budget
budget-text-label = Expense
budget-quote-label = Quote (from whom, date)
budget-amount-label = Amount (DKK)
budget-actions = Actions
budget-remove = Remove “{ $line }”
budget-total = Budget total
budget-add-heading = Add a budget line
budget-add = Add line
error-budget-line-required = Write what the expense is for first.
grant-own-heading = 3. Own financing
own-cash-label = Own financing in cash (DKK)
own-hours-label = Volunteer hours
error-own-financing-input = Write whole kroner and whole hours, e.g. 5000 and 40.
rule-budget = The budget is { $budget }. The rule covers the first DKK 100,000, here { $base }.
rule-required = 25 % of that requires at least { $required } of own financing.
rule-own = You have { $cash } in cash + { $hours } { $hours ->
        [one] hour
       *[other] hours
    } × DKK 100 = { $hours_value }; { $own } in all.
rule-met = ✓ The 25 % own financing rule is met.
rule-unmet = ✗ { $missing } of own financing is missing.
grant-round-heading = 4. Round
grant-round-label = Deadline
grant-round-option = Deadline { $date }
grant-endorse-heading = 5. The council's endorsement and submission
grant-endorsed-by = Endorsed by { $by } for the council on { $date }.
endorse-by-label = Endorsed by (name, for the council)
endorse-on-label = Date of the endorsement
endorse = Record the endorsement
error-endorsed-by-required = Write who endorsed it for the council.
endorse-withdraw = Withdraw the endorsement
grant-submit = Mark as submitted
grant-submit-needs-endorsement = The local council must endorse the application before it is submitted.
grant-submit-needs-rule = Own financing must meet the 25 % rule before the application is submitted.
grant-submit-ready = The application is ready to be submitted.
grant-decision-heading = 6. Decision and report
decision-outcome-label = Decision
decision-amount-label = Amount granted (DKK)
decision-on-label = Date of the decision
decision-record = Record the decision
grant-granted-amount = Granted: { $amount }
grant-valid-until = The grant is valid until { $date }.
grant-report-due = Evaluation, accounts and documentation are due by { $date }.
project-end-label = The project's end
grant-mark-reporting = The project has ended – report due
grant-close = Close the application
grant-print-back = Back to the application
grant-print-title = Application to Landdistriktspuljen: { $title }
grant-print-applicant = Applicant: { $name }
error-not-endorsed = The local council must endorse the application before it is submitted.
error-own-financing-too-low = Own financing is DKK { $own }, but at least DKK { $required } is required.
error-not-a-draft = The application can only be changed while it is a draft.
error-negative = Amounts cannot be negative.
error-not-a-member = Only a member can be chosen.
error-last-council = A project group needs at least one local council behind it.
error-invalid-transition = The application cannot go to that status from here.
meetings-heading = Meetings
meeting-add-heading = Plan a meeting
meeting-title-label = The meeting's title
meeting-date-label = Date
meeting-add = Create the meeting
error-meeting-title-required = Write the meeting's title first.
meeting-missing = This device has no such meeting
meeting-missing-help = The meeting may not have reached this device yet, or the address is wrong. If it is on its way, it will appear here as soon as it arrives.
agenda-heading = Agenda
agenda-label = The agenda (saved as you type)
minutes-heading = Minutes
minutes-label = The minutes – write them during the meeting, offline too (saved as you type)
attendance-heading = Attendance
attendance-legend = Present
attendance-count = { $present } of { $members } { $members ->
        [one] member
       *[other] members
    } { $present ->
        [one] is
       *[other] are
    } present.
decisions-heading = Decisions
decision-add-heading = Add a decision
decision-text-label = Decision
decision-add = Add decision
error-decision-required = Write the decision first.
decision-to-action = Make “{ $decision }” an action in the plan
decision-to-task = Make “{ $decision }” a task in the plan
decision-became-action = It is in the action plan.
decision-became-task = It is on the task list.
desk-heading = The consultant's overview
desk-intro = The councils on this device against the policy's focus areas: goals, actions and the groups working on them.
desk-empty = There are no councils on this device yet. Get their share links to see them here.
desk-cell = { $goals } { $goals ->
        [one] goal
       *[other] goals
    } · { $actions } { $actions ->
        [one] action
       *[other] actions
    }
desk-propose = The group { $group } already works on this.
desk-invite = Invite { $council } into { $group }
merge-heading = Merge two groups
merge-intro = Two groups on the same focus area can become one. Members, tasks, milestones and history are kept; you see the result before anything changes.
merge-survivor-label = The group that continues
merge-absorbed-label = The group merged into it
merge-preview-heading = What it will be
merge-preview-members = { $added } new { $added ->
        [one] member
       *[other] members
    }: { $names }
merge-preview-matched = { $matched } { $matched ->
        [one] member is
       *[other] members are
    } in already: { $names }
merge-preview-councils = Councils joining: { $names }
merge-preview-plan = { $milestones } { $milestones ->
        [one] milestone
       *[other] milestones
    } and { $tasks } { $tasks ->
        [one] task
       *[other] tasks
    } move over.
merge-do = Merge the groups
merge-done = The groups are merged into { $group }.
error-merge-same-group = Choose two different groups.
error-merge-different-areas = Only groups on the same focus area can be merged.
error-merge-already = One of the groups was merged into another already.
error-not-a-copy = The file has the id of a space you have, but it is not a copy of it. It was not opened, and your space is unchanged.
error-space-full = This space is full: Landsbyplan cannot hold more in it, so the change was not saved.
error-link-other-copy = The link belongs to another copy of “{ $name }” than the one you have. It was not opened, and yours is unchanged. Ask whoever sent the link where it comes from.
error-different-spaces = The file belongs to another space.
import-heading = Import from a file
import-label = Choose a file (.landsbyplan) from a council or a group
import-adds = The file is a copy of { $name } and adds { $changes } { $changes ->
        [one] change
       *[other] changes
    } by { $authors }.
import-new = The file holds { $name }, which is not on this device yet.
import-do = Bring the file in
import-done = The file is in.
import-open = Open it
search-heading = Search everything
search-label = Search every council, group and the network on this device
search-count = { $count } found
show-more = Show more ({ $left } more)
search-in-name = Name
search-in-member = Member
search-in-vision = Vision
search-in-goal = Goal
search-in-action = Action
search-in-group-goal = Group's goal
search-in-task = Task
search-in-meeting = Meeting
search-in-minutes = Minutes
search-in-application = Application
feed-heading = The annual wheel in your calendar
feed-intro = Publish the wheel and calendar programs can subscribe to it and keep up to date. Only the wheel is published, as plain text on the relay (calendar programs cannot read what is encrypted); anyone with the address can read it. You can withdraw it again.
feed-publish = Publish the wheel as a calendar
feed-url-label = The calendar's address
feed-subscribe = Subscribe in your calendar
feed-withdraw = Withdraw the calendar
feed-unknown = Without a network the app cannot tell whether the calendar is published.
error-feed-refused = The relay did not accept the calendar.
error-feed-offline = There is no connection to the relay; try again when there is a network.
event-council-label = The council it concerns (if one)
event-council-hint = When a council's development plan presentation is on the wheel, the next one is added four years later with that year's standard events.
absorbed-heading = Groups merged into this one
absorbed-by = Merged by { $by }, { $time }
absorbed-history = The group's history ({ $count } { $count ->
        [one] change
       *[other] changes
    })

## Connect phones in the room (directly, no relay)
connect-heading = Connect phones in the room
connect-home-intro = For a meeting with no signal: two phones with the same space can share changes directly when they are on the same Wi-Fi. One shows a code, the other takes it in and shows its answer.
connect-home-link = Connect phones in the room
connect-intro = Both phones must already hold the space and be on the same Wi-Fi. Only a phone that holds the space can read the code.
connect-space-label = Space
connect-space-choose = Choose a space
connect-no-sync = This space is not shared, so it cannot be connected.
connect-steps-heading = Step by step
connect-start-intro = One phone shows its code. The other chooses "I have a code".
connect-show-code = Show my code
connect-have-code = I have a code
connect-making = Finding this phone's addresses …
connect-offered = Show the code to the other phone, or copy the text and send it (a code works once). Then paste the answer the other phone shows.
connect-code-label = QR code for the other phone
connect-answer-label = QR code with the answer for the first phone
connect-code-text = The code as text
connect-paste-code = Paste the code from the other phone
connect-paste-answer = Paste the answer from the other phone
connect-make-answer = Make my answer
connect-connect = Connect
connect-answered = Show this answer to the first phone, or copy the text and send it. The connection opens once it has taken the answer (we wait up to 10 minutes).
connect-connected = Connected with { $name }. Changes are shared directly while the app is open.
connect-failed = That did not work: { $reason }
connect-again = Try again
connect-unnamed = A phone with no name
connect-peers-heading = Connected right now
connect-peers-none = No other phone with this space is connected right now.
connect-path-both = { $name }: directly and through the relay
connect-path-direct = { $name }: directly
connect-path-relay = { $name }: through the relay
direct-no-webrtc = this browser cannot make direct connections
direct-browser-refused = the browser could not use the connection; try again
direct-not-a-code = that is not a Landsbyplan code
direct-not-this-space = the code could not be opened because it was not copied whole, was changed, or belongs to a space this phone does not hold
direct-no-address = the phone has no network address; turn on Wi-Fi and try again
direct-not-an-offer = that is an answer; paste the first phone's code
direct-not-an-answer = that is not an answer to this phone's code
direct-unreachable = the other phone could not be reached directly; are you on the same Wi-Fi, and is the answer to the code shown now?
direct-closed = the connection was closed
direct-broken = the other phone sent something that could not be read
direct-silent = the other phone did not answer
direct-not-proved = the other phone could not show that it holds the space
connect-connecting = Connecting to the other phone …
connect-answer-text = The answer as text
scan-start = Scan the code with the camera
scan-video-label = What the camera sees
scan-looking = Hold the other phone's QR code in front of the camera.
scan-stop = Turn the camera off
scan-no-camera = This phone has no camera the app can use. Paste the code as text instead.
scan-camera-refused = The app was not allowed to use the camera. Allow it in the browser's settings, or paste the code as text.
scan-camera-busy = The camera is in use by another app. Close it, or paste the code as text.
connect-another = Connect another phone
connect-closed = The connection with { $name } is closed.
connect-paste-first = no code was pasted
connect-copy = Copy the code
connect-copied = The code is copied.
connect-copy-failed = The code could not be copied; select the text and copy it yourself.
direct-own-code = that is this phone's own code; paste the answer the other phone shows
